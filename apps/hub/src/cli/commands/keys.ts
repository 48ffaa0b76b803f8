import { join } from 'node:path';
import { ApiKeys, InvalidKeyRequestError, SqliteApiKeyStore, type ApiKeyRecord } from '@concord/access';
import { CliUsageError, stringFlag, type CliArgs, type CliCommand, type CliContext } from '../command';

function allFlags(args: CliArgs, name: string): readonly string[] {
  // parseArgs keeps the last value of a repeated flag; read repeated --source from the raw words instead.
  return args.repeated?.get(name) ?? (typeof args.flags.get(name) === 'string' ? [args.flags.get(name) as string] : []);
}

function describe(record: ApiKeyRecord): string {
  const sources = record.sources.length > 0 ? record.sources.join(',') : '-';
  return [record.id, record.role.padEnd(9), sources.padEnd(20), record.createdAt, record.revokedAt ? `revoked ${record.revokedAt}` : 'active', record.name ?? ''].join('  ');
}

async function withKeys<T>(context: CliContext, work: (keys: ApiKeys) => Promise<T>): Promise<T> {
  const store = SqliteApiKeyStore.open(join(context.config.CONCORD_DATA_DIR, 'access.db'));
  try {
    return await work(new ApiKeys(store));
  } finally {
    await store.close();
  }
}

/**
 * `keys create|list|revoke` against the data directory's access.db; works
 * while the hub runs (the hub reads keys per request, so changes apply at once).
 */
export const keysCommand: CliCommand = {
  name: 'keys',
  summary: 'Manage API keys: create (prints the key once), list (never shows keys), revoke',
  usage: 'keys create --role connector|analyst|auditor|admin [--source <name>]… [--name <text>] | keys list [--json] | keys revoke <id>',
  async run(args, context) {
    const [action, ...rest] = args.positional;
    switch (action) {
      case 'create': {
        const role = stringFlag(args, 'role');
        if (!role) throw new CliUsageError('keys create needs --role');
        const name = stringFlag(args, 'name');
        try {
          const { key, record } = await withKeys(context, (keys) => keys.create({ role, sources: allFlags(args, 'source'), ...(name !== undefined ? { name } : {}) }));
          context.out.write(`${key}\n`);
          context.err.write(`created ${record.id} (${record.role}${record.sources.length ? ` for ${record.sources.join(', ')}` : ''}); the key above is shown this once only\n`);
          return 0;
        } catch (error) {
          if (error instanceof InvalidKeyRequestError) throw new CliUsageError(error.message);
          throw error;
        }
      }
      case 'list': {
        const records = await withKeys(context, (keys) => keys.list());
        if (args.flags.get('json') === true) context.out.write(`${JSON.stringify(records, null, 2)}\n`);
        else {
          context.out.write(`${['id', 'role     ', 'sources             ', 'created', 'state', 'name'].join('  ')}\n`);
          for (const record of records) context.out.write(`${describe(record)}\n`);
        }
        return 0;
      }
      case 'revoke': {
        const [id] = rest;
        if (!id) throw new CliUsageError('keys revoke needs the key id (see keys list)');
        const record = await withKeys(context, (keys) => keys.revoke(id));
        if (!record) {
          context.err.write(`no key ${JSON.stringify(id)}\n`);
          return 1;
        }
        context.out.write(`revoked ${record.id} at ${record.revokedAt}\n`);
        return 0;
      }
      default:
        throw new CliUsageError(action ? `unknown keys action ${JSON.stringify(action)}` : 'keys needs an action: create, list or revoke');
    }
  },
};
