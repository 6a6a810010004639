import { measureMediaThroughput } from './bench/media-bench.ts';
const started = Date.now();
const figures = await measureMediaThroughput({ files: Number(process.env.N ?? 30), log: (m) => console.error(m) });
console.log(JSON.stringify(figures, null, 2));
console.error(`took ${(Date.now() - started) / 1000}s`);
