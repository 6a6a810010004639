/**
 * The Procfile's `web:` line is how production starts the bridge, and what the benchmarks run
 * (sandbox/bridge-process.ts reads it); `npm start` must start the very same command.
 */
import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { productionNodeArgs } from '../../sandbox/bridge-process.js';

describe('Procfile and npm start', () => {
  it('start the same compiled entry point with the same node flags', async () => {
    const args = await productionNodeArgs();
    expect(args.at(-1)).to.equal('dist/main.js');
    const scripts = (JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).to.equal(['node', ...args].join(' '));
  });
});
