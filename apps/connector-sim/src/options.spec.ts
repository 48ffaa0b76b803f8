import { DEMO_FAULTS, NO_FAULTS } from './faults';
import { DEFAULT_START, OptionsError, parseSimOptions } from './options';

describe('parseSimOptions', () => {
  it('defaults to the demo faults over HTTP on localhost, the key from CONCORD_API_KEY', () => {
    expect(parseSimOptions([], { CONCORD_API_KEY: 'k' })).toMatchObject({ transport: 'http', url: 'http://localhost:3000', key: 'k', seed: 1, orders: 200, faults: DEMO_FAULTS, lanes: 4, batch: 500, start: DEFAULT_START, dryRun: false });
  });

  it('reads every option', () => {
    const options = parseSimOptions(
      ['--transport', 'kafka', '--brokers', 'a:1, b:2', '--seed', '9', '--orders', '10', '--customers', '3', '--faults', 'none', '--lanes', '2', '--batch', '50', '--rate', '100', '--start', '2026-11-21T00:00:00Z', '--plan'],
      {},
    );
    expect(options).toMatchObject({ transport: 'kafka', brokers: ['a:1', 'b:2'], seed: 9, orders: 10, customers: 3, faults: NO_FAULTS, lanes: 2, batch: 50, rate: 100, start: '2026-11-21T00:00:00Z', plan: true });
  });

  it('needs no key or broker for a dry run', () => {
    expect(parseSimOptions(['--dry-run'], {})).toMatchObject({ dryRun: true, key: undefined });
  });

  it('names every problem at once', () => {
    expect(() => parseSimOptions(['--orders', '-1', '--lanes', 'x', '--bogus', '--start', 'soon', '--seed'], {})).toThrow(OptionsError);
    try {
      parseSimOptions(['--orders', '-1', '--lanes', 'x', '--bogus', '--start', 'soon', '--seed'], {});
    } catch (error) {
      const message = (error as Error).message;
      for (const expected of ['--orders must be an integer ≥ 0', '--lanes must be an integer ≥ 1', 'unknown argument "--bogus"', '--start must be an ISO instant', '--seed needs a value', 'http needs an API key']) {
        expect(message).toContain(expected);
      }
    }
  });

  it('asks for brokers in kafka mode', () => {
    expect(() => parseSimOptions(['--transport', 'kafka'], {})).toThrow(/kafka needs brokers/);
    expect(parseSimOptions(['--transport', 'kafka'], { KAFKA_BROKERS: 'x:9092' })).toMatchObject({ brokers: ['x:9092'] });
  });

  it('answers --help', () => {
    expect(parseSimOptions(['--help'], {})).toBe('help');
  });
});
