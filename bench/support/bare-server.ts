import { createServer } from 'node:http';

/**
 * The ceiling: a bare node:http server that reads each body and answers as
 * the hub would for accepted events, with no parsing, validation or storage.
 * Driven by the same load generator, it shows what the machine allows HTTP
 * alone to do at the time of the run.
 */
let events = 0;
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    response.setHeader('content-type', 'application/json');
    if (request.url === '/health') {
      response.end(JSON.stringify({ status: 'ok', headPosition: events }));
      return;
    }
    const count = Number(request.headers['x-bench-events'] ?? '1');
    events += count;
    response.end(`{"results":[${Array(count).fill('{"status":"appended"}').join(',')}]}`);
  });
});
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
