import http from 'node:http';
import { openAsBlob, createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import axios from 'axios';
const SIZE = 16 * 1024 * 1024;
const big = Buffer.alloc(SIZE, 1);
await writeFile('/tmp/pchk/big.bin', big);
const server = http.createServer((req, res) => {
  if (req.method === 'GET') { res.writeHead(200, { 'content-length': String(SIZE) }); res.end(big); return; }
  req.on('data', () => {}); req.on('end', () => { res.end('{"id":"x"}'); });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as any).port}`;
const rss = () => Math.round(process.memoryUsage().rss / 1048576);
const peak = async (label: string, fn: () => Promise<void>) => {
  global.gc?.();
  const before = rss(); let max = before;
  const t = setInterval(() => { max = Math.max(max, rss()); }, 5);
  for (let i = 0; i < 5; i++) await fn();
  clearInterval(t); max = Math.max(max, rss());
  console.log(label, 'before', before, 'peak', max, 'delta', max - before);
};
const mode = process.argv[2];
if (mode === 'fetch-down') await peak('fetch download', async () => { const r = await fetch(`${url}/f`); await pipeline(Readable.fromWeb(r.body as any), createWriteStream('/tmp/pchk/out.bin')); });
if (mode === 'axios-down') await peak('axios download', async () => { const r = await axios.get(`${url}/f`, { responseType: 'stream' }); await pipeline(r.data, createWriteStream('/tmp/pchk/out.bin')); });
if (mode === 'axios-up') await peak('axios formdata upload', async () => { const form = new FormData(); form.append('messaging_product', 'whatsapp'); form.append('file', await openAsBlob('/tmp/pchk/big.bin'), 'big.bin'); await axios.post(`${url}/u`, form, { headers: { 'Content-Type': 'multipart/form-data' }, maxRedirects: 0, maxBodyLength: Infinity }); });
if (mode === 'fetch-up') await peak('fetch blob upload', async () => { const r = await fetch(`${url}/u`, { method: 'POST', body: await openAsBlob('/tmp/pchk/big.bin') }); await r.text(); });
import { createReadStream } from 'node:fs';
if (mode === 'axios-up-raw') await peak('axios raw stream upload', async () => { await axios.post(`${url}/u`, createReadStream('/tmp/pchk/big.bin'), { headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(SIZE) }, maxRedirects: 0, maxBodyLength: Infinity }); });
if (mode === 'http-up-raw') await peak('node http raw upload', async () => { await new Promise<void>((resolve, reject) => { const req = http.request(`${url}/u`, { method: 'POST', headers: { 'content-length': String(SIZE) } }, (res) => { res.resume(); res.on('end', resolve); }); req.on('error', reject); createReadStream('/tmp/pchk/big.bin').pipe(req); }); });
server.close(); process.exit(0);
