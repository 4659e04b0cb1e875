// usage: node validate-event-schema.js FILE.envelope|FILE.json
// Validates the event payload(s) against Relay's draft-07 event schema (getsentry/sentry-data-schemas relay/event.schema.json)
const fs = require('fs');
const Ajv = require('ajv');                       // ajv@8, draft-07 by default
const { parseEnvelope } = require('@sentry/core');
const ajv = new Ajv({ allErrors: true, strict: false });   // schema uses "required" beside "type":[..,"null"], unknown keywords
ajv.addFormat('uuid', /^[0-9a-f]{32}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i); // Sentry ids: 32 hex, dashes optional
ajv.addFormat('uint64', { type: 'number', validate: (n) => Number.isInteger(n) && n >= 0 });
ajv.addFormat('int64', { type: 'number', validate: Number.isInteger });
ajv.addFormat('double', { type: 'number', validate: () => true });
const validate = ajv.compile(require(require('path').join(__dirname, 'sentry-event.schema.json')));
const buf = fs.readFileSync(process.argv[2]);
const events = buf[0] === 0x7b && !buf.includes(10) ? [JSON.parse(buf)]
  : parseEnvelope(buf)[1].filter(([h]) => h.type === 'event').map(([, p]) => p);
let bad = 0;
for (const ev of events) {
  if (validate(ev)) { console.log('event', ev.event_id, 'VALID'); continue; }
  bad++; console.log('event', ev.event_id, 'INVALID');
  for (const e of validate.errors.slice(0, 10)) console.log('  ', e.instancePath || '/', e.message, JSON.stringify(e.params));
}
process.exit(bad ? 1 : 0);
