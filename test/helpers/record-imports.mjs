// Preloaded with --import: records every module URL the program resolves and prints the
// package ones at exit, so a test can prove what a command did not load.
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const { port1, port2 } = new MessageChannel();
const seen = new Set();
port1.on('message', (url) => seen.add(url));
port1.unref();
register('./record-imports-hooks.mjs', import.meta.url, {
  data: { port: port2 },
  transferList: [port2],
});
process.on('exit', () => {
  const packages = [...seen]
    .map((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1])
    .filter(Boolean);
  process.stderr.write(`loaded-packages: ${[...new Set(packages)].sort().join(',')}\n`);
});
