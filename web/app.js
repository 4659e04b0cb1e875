// crashd's web page: reads /api/... with the session token that
// `crashctl web` put in the URL's fragment (#token=...), kept in
// sessionStorage and sent as Authorization: Bearer. Builds the DOM with
// textContent only: nothing from a dump is ever parsed as HTML.
'use strict';

(function () {
  const main = document.getElementById('main');
  const status = document.getElementById('status');

  function takeToken() {
    const m = /(?:^|[#&?])token=([0-9a-f]{64})/.exec(location.hash) || /[?&]token=([0-9a-f]{64})/.exec(location.search);
    if (m) {
      sessionStorage.setItem('crashd-token', m[1]);
      history.replaceState(null, '', location.pathname + '#/');
    }
    return sessionStorage.getItem('crashd-token');
  }
  const token = takeToken();

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const kid of kids) if (kid != null) e.append(kid);
    return e;
  }
  function svg(tag, attrs) {
    const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    return e;
  }

  async function api(path) {
    const r = await fetch('/api/' + path, { headers: { Authorization: 'Bearer ' + token }, cache: 'no-store' });
    const body = await r.json().catch(() => ({ error: r.statusText }));
    if (!r.ok) throw new Error(body.error || r.statusText);
    return body;
  }

  function fmtTime(ns) {
    if (ns == null) return '—';
    const d = new Date(Number(ns) / 1e6);
    const p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  }
  function base(path) { return path ? String(path).split('/').pop() : '?'; }

  // Crashes over time: the span from the group's first to last crash (at
  // least a day, ending now) in 24 bars.
  function chart(times) {
    const W = 144, H = 28, N = 24;
    const s = svg('svg', { class: 'chart', width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img' });
    const now = Date.now() * 1e6;
    const first = times.length ? Math.min(...times) : now;
    const span = Math.max(now - first, 86400e9) * 1.02;
    const start = now - span;
    const bins = new Array(N).fill(0);
    for (const t of times) bins[Math.min(N - 1, Math.max(0, Math.floor((t - start) / span * N)))]++;
    const max = Math.max(1, ...bins);
    s.append(svg('line', { x1: 0, y1: H - 0.5, x2: W, y2: H - 0.5 }));
    bins.forEach((n, i) => {
      if (!n) return;
      const h = Math.max(2, Math.round((H - 2) * n / max));
      const r = svg('rect', { x: i * (W / N) + 1, y: H - 1 - h, width: W / N - 2, height: h });
      const title = svg('title');
      title.textContent = `${n} crash${n === 1 ? '' : 'es'}`;
      r.append(title);
      s.append(r);
    });
    const label = svg('title');
    label.textContent = `${times.length} stored crashes, ${fmtTime(start)} to now`;
    s.prepend(label);
    return s;
  }

  let crashCache = null;
  async function crashes() {
    if (!crashCache) crashCache = (await api('crashes?limit=5000')).crashes || [];
    return crashCache;
  }

  async function showGroups() {
    const [g, list] = await Promise.all([api('groups'), crashes()]);
    const groups = g.groups || [];
    const byGroup = new Map();
    for (const c of list) {
      if (!byGroup.has(c.group)) byGroup.set(c.group, []);
      byGroup.get(c.group).push(c);
    }
    status.textContent = `${groups.length} group${groups.length === 1 ? '' : 's'}, ${list.length} stored crash${list.length === 1 ? '' : 'es'}`;
    main.replaceChildren(el('h1', { text: 'Crash groups' }));
    if (!groups.length) {
      main.append(el('p', { class: 'muted', text: 'No crashes yet.' }));
      return;
    }
    const tbody = el('tbody');
    for (const grp of groups) {
      const mine = byGroup.get(grp.id) || [];
      const newest = mine.length ? mine.reduce((a, b) => (a.time_ns > b.time_ns ? a : b)) : null;
      const tr = el('tr', { class: 'group', 'data-group': grp.id, title: newest ? 'Open the latest crash' : 'No stored crash' },
        el('td', { class: 'sig', text: grp.signature || '(no signature)' }),
        el('td', { class: 'mono', text: base(grp.executable), title: grp.executable || '' }),
        el('td', { class: 'num', text: String(grp.count) }),
        el('td', { class: 'mono', text: fmtTime(grp.first_seen_ns) }),
        el('td', { class: 'mono', text: fmtTime(grp.last_seen_ns) }),
        el('td', {}, chart(mine.map((c) => Number(c.time_ns || c.received_ns)))));
      if (newest) tr.addEventListener('click', () => { location.hash = `#/crash/${newest.id}`; });
      tbody.append(tr);
    }
    main.append(el('table', { class: 'groups' },
      el('thead', {}, el('tr', {}, el('th', { text: 'Signature' }), el('th', { text: 'Program' }),
        el('th', { class: 'num', text: 'Count' }), el('th', { text: 'First seen' }), el('th', { text: 'Last seen' }),
        el('th', { text: 'Crashes over time' }))),
      tbody));
  }

  function frameView(f, i, openIt) {
    const vars = f.vars || [];
    const loc = f.file ? `${f.file}${f.line != null ? ':' + f.line : ''}` : null;
    const summary = el('summary', {},
      el('span', { class: 'no', text: `#${i}` }),
      el('span', { class: 'fn', text: f.function || '??' }),
      f.inlined ? el('span', { class: 'muted', text: ' [inlined]' }) : null,
      loc ? el('span', {}, ' at ', el('span', { class: 'loc', text: loc })) : el('span', { class: 'mod', text: ` in ${base(f.module)}` }),
      el('span', { class: 'mod', text: `  ${f.pc}` }),
      vars.length ? el('span', { class: 'nvars', text: `  (${vars.length} variable${vars.length === 1 ? '' : 's'})` }) : null);
    const body = el('div', { class: 'body' });
    if (f.source && f.source.lines) {
      const pre = el('pre', { class: 'source' });
      f.source.lines.forEach((line, k) => {
        const no = f.source.first + k;
        pre.append(el('span', { class: no === f.line ? 'here' : '' }, el('i', { text: String(no) }), line));
      });
      body.append(pre);
    } else if (loc) {
      body.append(el('p', { class: 'muted', text: 'Source not on this machine (or not readable by the crash\'s owner).' }));
    }
    if (vars.length) {
      const t = el('tbody');
      for (const v of vars) {
        t.append(el('tr', { class: 'var' },
          el('td', { class: 'name' }, v.name, el('span', { class: 'kind', text: v.kind === 'param' ? 'param' : '' })),
          el('td', { class: 'type', text: v.type || '' }),
          v.value != null ? el('td', { class: 'value', text: v.value }) : el('td', { class: 'reason', text: `<${v.reason || 'unknown'}>` })));
      }
      body.append(el('table', { class: 'vars' }, t));
    } else if (!f.debug_info) {
      body.append(el('p', { class: 'muted', text: 'No symbol table info available.' }));
    }
    const d = el('details', { class: 'frame' }, summary, body);
    if (openIt) d.open = true;
    return d;
  }

  async function showCrash(id) {
    const [a, list] = await Promise.all([api(`crashes/${id}`), crashes().catch(() => [])]);
    const c = a.crash, r = a.report || {};
    const rc = r.crash || {};
    status.textContent = `crash ${c.id}`;
    const siblings = list.filter((x) => x.group === c.group).sort((x, y) => y.time_ns - x.time_ns).slice(0, 30);
    main.replaceChildren(
      el('p', {}, el('a', { href: '#/', text: '← all groups' })),
      el('h1', {}, el('span', { class: 'sigbadge', text: c.signal_name || rc.signal_name || 'dump' }),
        `${c.program || rc.process || '?'}: `, el('span', { class: 'mono', text: c.signature || '' })));
    if (siblings.length > 1) {
      const nav = el('nav', { class: 'crashes' }, el('span', { class: 'muted', text: 'Crashes in this group: ' }));
      for (const s of siblings) nav.append(el('a', { href: `#/crash/${s.id}`, class: s.id === c.id ? 'current' : '', text: `#${s.id}`, title: fmtTime(s.time_ns) }));
      main.append(nav);
    }
    const facts = el('dl', { class: 'facts' });
    const fact = (k, v) => { if (v != null && v !== '') facts.append(el('dt', { text: k }), el('dd', { text: String(v) })); };
    fact('Signal', [rc.signal_name, rc.code_name, rc.address ? `at ${rc.address}` : null].filter(Boolean).join(' ') || 'requested dump');
    fact('Time', fmtTime(c.time_ns));
    fact('Program', c.executable || c.program);
    fact('PID / UID', `${c.pid} / ${c.uid}`);
    fact('Command line', r.command_line);
    fact('Build-id', c.build_id);
    fact('Package', c.package ? `${c.package} ${c.package_version || ''}`.trim() : null);
    const h = r.host || {};
    fact('Host', [h.hostname, h.kernel_release ? `kernel ${h.kernel_release}` : null].filter(Boolean).join(', '));
    fact('Unit', h.systemd_unit ? [h.systemd_user_unit, h.systemd_unit, h.systemd_slice].filter(Boolean).join(' · ') : null);
    fact('Container', h.container ? [h.container.runtime, h.container.name, h.container.id].filter(Boolean).join(' ') : null);
    fact('Crash id', c.id);
    main.append(facts);
    const tags = Object.entries(r.tags || {});
    if (tags.length) {
      const td = el('div', { class: 'tags mono' });
      for (const [k, v] of tags) td.append(el('span', { text: `${k}=${v}` }));
      main.append(el('h2', { text: 'Tags' }), td);
    }
    main.append(el('h2', { text: 'Threads' }));
    (r.threads || []).forEach((t, ti) => {
      const box = el('section', { class: 'thread' + (t.crashed ? ' crashed' : '') },
        el('h3', { text: `Thread ${ti + 1} (${t.tid}${t.name ? ' "' + t.name + '"' : ''})${t.crashed ? ' [crashed]' : ''}` }));
      (t.frames || []).forEach((f, i) => box.append(frameView(f, i, t.crashed && (f.vars || []).length > 0 && i < 4)));
      if (t.stop_reason) box.append(el('p', { class: 'muted body', text: `Stack walk stopped: ${t.stop_reason}` }));
      main.append(box);
    });
  }

  async function route() {
    if (!token) {
      main.replaceChildren(el('h1', { text: 'No session' }),
        el('p', {}, 'Run ', el('code', { text: 'crashctl web' }), ' and open the URL it prints. The page shows your own crashes (root: everyone\'s).'));
      return;
    }
    try {
      const m = /^#\/crash\/(\d+)$/.exec(location.hash);
      if (m) await showCrash(m[1]);
      else await showGroups();
    } catch (e) {
      main.replaceChildren(el('p', { class: 'error', text: `Error: ${e.message}` }));
    }
  }

  window.addEventListener('hashchange', route);
  if (token) api('session').then((s) => {
    document.getElementById('who').textContent = s.uid == null ? 'all users' : `uid ${s.uid}`;
  }).catch(() => {});
  route();
})();
