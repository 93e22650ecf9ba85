/** The dashboard page: one self-contained HTML file (inline CSS and JS, no CDN, works offline). */

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f4f6f9;color:#1d2430}
header{background:#1d2430;color:#fff;padding:12px 20px;display:flex;gap:16px;align-items:baseline}
header h1{font-size:18px;margin:0}#state{font-weight:600}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:12px;padding:16px}
section{background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:12px 14px}
section h2{font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:#5a6678;margin:0 0 8px}
.big{font-size:26px;font-weight:700}.bar{height:10px;background:#e6ebf0;border-radius:5px;overflow:hidden;margin:8px 0}
.bar div{height:100%;background:#4c78a8;width:0}.paused{color:#b26a00}.ended{color:#137333}
#recent{grid-column:1/-1}#recent li{margin:0 0 8px}#recent .bio{color:#5a6678}.fail{color:#b3261e}
ul{margin:0;padding-left:18px}`;

const SCRIPT = `
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]));
const dur = (ms) => { const s = Math.max(0, Math.round(ms / 1000)); const h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60);
  return h > 0 ? h + 'h ' + m + 'm ' + (s % 60) + 's' : m > 0 ? m + 'm ' + (s % 60) + 's' : (s % 60) + 's'; };
let last = null;
function render(s) {
  last = s;
  const total = s.total ?? 0, done = s.done + s.failed;
  $('progress').textContent = done + (s.total === null ? '' : ' / ' + total) + ' artists';
  $('fill').style.width = (total > 0 ? 100 * done / total : 0).toFixed(1) + '%';
  $('eta').textContent = 'ETA ' + s.etaText;
  $('rpm').textContent = s.requestsPerMinute + ' req/min' + (s.providerRpm ? ' of ' + s.providerRpm + ' allowed' : '');
  $('latency').textContent = s.latency.p50 === null ? 'no request yet' :
    'p50 ' + s.latency.p50 + ' ms · p95 ' + s.latency.p95 + ' ms · max ' + s.latency.max + ' ms';
  $('budget').textContent = s.usedToday + (s.dailyLimit ? ' / ' + s.dailyLimit : '') + ' requests today' +
    (s.threshold && s.dailyLimit ? ' (pause at ' + Math.round(s.threshold * s.dailyLimit) + ')' : '');
  $('spend').textContent = s.costUsd === null ? 'no priced response yet' : '$' + s.costUsd.toFixed(4) + ' spent';
  const errs = Object.entries(s.errorsByKind);
  $('errors').innerHTML = errs.length === 0 ? '<li>none</li>' : errs.map(([k, n]) => '<li>' + esc(k) + ': ' + n + '</li>').join('');
  const batches = Object.entries(s.batches);
  $('batches').innerHTML = batches.length === 0 ? '<li>not in batch mode</li>' : batches.map(([k, v]) => '<li>' + esc(k) + ': ' + esc(v) + '</li>').join('');
  $('recentList').innerHTML = s.recent.map((a) => '<li class="' + (a.ok ? '' : 'fail') + '"><b>' + esc(a.name) + '</b> <small>' +
    esc(a.time.slice(11, 19)) + 'Z</small><div class="bio">' + esc(a.text) + '</div></li>').join('');
  tick();
}
function tick() {
  const s = last; if (!s) return;
  const st = $('state');
  if (s.ended) { st.textContent = s.ended; st.className = 'ended'; $('pause').textContent = 'not paused'; return; }
  if (s.pausedUntil) {
    const left = s.pausedUntil - (s.now + (Date.now() - received));
    st.textContent = 'PAUSED (' + (s.pauseReason ?? 'quota') + ')'; st.className = 'paused';
    $('pause').textContent = 'resumes in ' + dur(left) + ' at ' + new Date(s.pausedUntil).toISOString().slice(11, 19) + 'Z';
  } else { st.textContent = 'RUNNING'; st.className = ''; $('pause').textContent = 'not paused'; }
}
let received = Date.now();
const source = new EventSource('events');
source.onmessage = (m) => { received = Date.now(); render(JSON.parse(m.data)); };
source.onerror = () => { if (last && last.ended) source.close(); };
setInterval(tick, 250);`;

/** The page's HTML. */
export function dashboardPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>artist-bio-gen dashboard</title><link rel="icon" href="data:,"><style>${STYLE}</style></head>
<body>
<header><h1>artist-bio-gen</h1><span id="state">connecting…</span><span id="eta"></span></header>
<main>
<section><h2>Progress</h2><div class="big" id="progress">–</div><div class="bar"><div id="fill"></div></div></section>
<section><h2>Pause / hold-off</h2><div class="big" id="pause">–</div></section>
<section><h2>Throughput</h2><div class="big" id="rpm">–</div></section>
<section><h2>Latency</h2><div id="latency">–</div></section>
<section><h2>Day's budget and spend</h2><div id="budget">–</div><div id="spend">–</div></section>
<section><h2>Errors by kind</h2><ul id="errors"></ul></section>
<section><h2>Batches</h2><ul id="batches"></ul></section>
<section id="recent"><h2>Recent artists</h2><ul id="recentList"></ul></section>
</main>
<script>${SCRIPT}</script>
</body></html>
`;
}
