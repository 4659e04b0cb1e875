// SPDX-License-Identifier: MIT
// usage: node envelope-sink.js PORT OUTDIR
// A stand-in for Sentry's ingest (and for webhook receivers) on 127.0.0.1,
// adapted for tests/forward from the shared oracle of the same name:
//  - POST /api/<project>/envelope/ (gzip/deflate/br/identity) is parsed with
//    Sentry's own @sentry/core; OUTDIR/<n>.envelope keeps the decoded bytes.
//  - POST /hook/<name> is a webhook; OUTDIR/<n>.hook keeps the body.
//  - POST /control {"script":[{"status":429,"headers":{...}}, ...]} sets the
//    answers to the next requests (then 200 again); {"raw":"..."} answers
//    those bytes and closes, no HTTP at all.
//  - Every request is one JSON line in OUTDIR/requests.jsonl: n, time (ms),
//    path, status answered, auth header, event_id, items.
// PORT 0 picks a free port; the first stdout line is {"port": N}.
const http = require('http'), zlib = require('zlib'), fs = require('fs'), path = require('path');
const { parseEnvelope } = require('@sentry/core');
const [port, out] = [+process.argv[2], process.argv[3]];
const dec = { gzip: zlib.gunzipSync, deflate: zlib.inflateSync, br: zlib.brotliDecompressSync, identity: (b) => b };
let n = 0, script = [];
const log = (o) => fs.appendFileSync(path.join(out, 'requests.jsonl'), JSON.stringify(o) + '\n');
const srv = http.createServer((req, res) => {
  const chunks = []; req.on('data', (c) => chunks.push(c)); req.on('end', () => {
    const time = Date.now(), raw = Buffer.concat(chunks);
    try {
      if (req.method === 'POST' && req.url === '/control') {
        script = JSON.parse(raw).script || []; res.writeHead(200).end('{}'); return;
      }
      const envelope = /^\/api\/\d+\/envelope\/?(\?.*)?$/.test(req.url), hook = /^\/hook\//.test(req.url);
      if (req.method !== 'POST' || !(envelope || hook)) { res.writeHead(404).end(); return; }
      const k = ++n, planned = script.shift();
      const body = dec[req.headers['content-encoding'] || 'identity'](raw);
      const rec = { n: k, time, path: req.url, status: planned ? planned.status : 200,
        auth: req.headers['x-sentry-auth'] || null, content_type: req.headers['content-type'] || null };
      if (envelope) {
        const [hdr, items] = parseEnvelope(body);   // throws on what Sentry would refuse to parse
        rec.event_id = hdr.event_id; rec.dsn = hdr.dsn; rec.sent_at = hdr.sent_at;
        rec.items = items.map(([h, p]) => [h.type, h.attachment_type || null, p instanceof Uint8Array ? p.length : 'json']);
      }
      if (planned && planned.raw !== undefined) {
        rec.status = 'raw'; log(rec); res.socket.end(planned.raw); return;
      }
      if (rec.status === 200) fs.writeFileSync(path.join(out, `${k}.${envelope ? 'envelope' : 'hook'}`), body);
      log(rec);
      res.writeHead(rec.status, { 'content-type': 'application/json', ...(planned ? planned.headers : {}) })
        .end(JSON.stringify(envelope ? { id: rec.event_id } : {}));
    } catch (e) { log({ n: ++n, time, path: req.url, status: 400, reject: String(e) }); res.writeHead(400).end(String(e)); }
  });
});
srv.keepAliveTimeout = 60000;
srv.listen(port, '127.0.0.1', () => console.log(JSON.stringify({ port: srv.address().port })));
process.on('SIGTERM', () => process.exit(0));
