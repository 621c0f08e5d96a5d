/* adhere HTML report: sortable tables, an agent filter, and timelines drawn on demand from the
   embedded data (one agent or one date at a time, so a 500-agent month stays light). */
(function () {
  'use strict';

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function each(list, f) { Array.prototype.forEach.call(list, f); }

  // ---------------------------------------------------------------- sortable tables
  function cellValue(td) {
    var v = td.getAttribute('data-v');
    if (v !== null) return v === '' ? null : parseFloat(v);
    return td.textContent.trim().toLowerCase();
  }
  each(document.querySelectorAll('table.sortable'), function (table) {
    var ths = table.tHead.rows[0].cells;
    each(ths, function (th, i) {
      th.setAttribute('tabindex', '0');
      function sort() {
        var dir = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
        each(ths, function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', dir);
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var sign = dir === 'ascending' ? 1 : -1;
        rows.sort(function (a, b) {
          var x = cellValue(a.cells[i]), y = cellValue(b.cells[i]);
          if (x === null || y === null) return (x === null) - (y === null); // empty cells last
          return x < y ? -sign : x > y ? sign : 0;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener('click', sort);
      th.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); } });
    });
  });
  var filter = document.getElementById('agent-filter');
  if (filter) {
    filter.addEventListener('input', function () {
      var q = filter.value.trim().toLowerCase();
      each(document.querySelectorAll('#agents-table tbody tr'), function (r) {
        r.style.display = !q || r.textContent.toLowerCase().indexOf(q) >= 0 ? '' : 'none';
      });
    });
  }

  // ---------------------------------------------------------------- timelines
  var dataEl = document.getElementById('adhere-data');
  var box = document.getElementById('tl-days');
  if (!dataEl || !box) return;
  var D = JSON.parse(dataEl.textContent);
  var agentSel = document.getElementById('tl-agent');
  var dateSel = document.getElementById('tl-date');
  var info = document.getElementById('tl-info');
  var PAGE = 60;
  var shown = PAGE;

  var STATE = { online: '#2f9e44', occupied: '#1c7ed6', away: '#f08c00', offline: '#868e96', logged_out: '#f1f3f5', unknown: 'url(#adh-hatch)' };
  var KIND = { p: '#5c7cfa', c: '#fcc419', o: '#ced4da' };
  var VERDICT = ['#2f9e44', '#e03131', '#adb5bd', null];
  var VERDICT_NAME = ['in adherence', 'out of adherence', 'unknown', 'excluded'];
  var WEEKDAY = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

  var byAgent = D.agents.map(function () { return []; });
  var dates = [];
  D.shifts.forEach(function (s, i) {
    byAgent[s[0]].push(i);
    if (dates.indexOf(s[1]) < 0) dates.push(s[1]);
  });
  dates.sort();
  D.agents.forEach(function (a, i) {
    if (!byAgent[i].length) return;
    var o = document.createElement('option');
    o.value = String(i);
    o.textContent = a[0] + (a[1] ? ' · ' + a[1] : '') + (a[2] === null ? '' : ' · ' + a[2].toFixed(1) + '%');
    agentSel.appendChild(o);
  });
  dates.forEach(function (d) {
    var o = document.createElement('option');
    o.value = d;
    o.textContent = d;
    dateSel.appendChild(o);
  });

  // Lanes are strings of base-32 numbers: digits from MORE, then a final digit from LAST
  // (see html.rs, push_varint).
  var LAST = '0123456789abcdefghijklmnopqrstuv', MORE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ@^_~|.';
  function dec(str) {
    var out = [], v = 0;
    for (var i = 0; i < str.length; i++) {
      var c = str.charAt(i), d = MORE.indexOf(c);
      if (d >= 0) v = v * 32 + d;
      else { out.push(v * 32 + LAST.indexOf(c)); v = 0; }
    }
    return out;
  }
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function offsetAt(s, rel) {
    var off = s[6][0];
    for (var k = 1; k + 1 < s[6].length; k += 2) if (rel >= s[6][k]) off = s[6][k + 1];
    return off;
  }
  function localSeconds(s, rel) { return s[2] + rel + offsetAt(s, rel) * 60; }
  function clock(s, rel) {
    var t = ((localSeconds(s, rel) % 86400) + 86400) % 86400;
    var txt = pad(Math.floor(t / 3600)) + ':' + pad(Math.floor((t % 3600) / 60));
    return t % 60 ? txt + ':' + pad(t % 60) : txt;
  }
  function dur(sec) {
    var h = Math.floor(sec / 3600), m = Math.floor((sec % 3600) / 60), x = sec % 60;
    return (h ? h + 'h' : '') + (m ? m + 'm' : '') + (x || (!h && !m) ? x + 's' : '');
  }
  function pct(p) { return p === null ? 'n/a' : p.toFixed(1) + '%'; }

  function rect(out, x, y, w, h, fill, title, extra) {
    if (w <= 0) return;
    out.push('<rect x="' + x.toFixed(1) + '" y="' + y + '" width="' + Math.max(w, 0.6).toFixed(1) + '" height="' + h +
      '" fill="' + fill + '"' + (extra || '') + '><title>' + esc(title) + '</title></rect>');
  }

  function drawShift(s, W) {
    var gutter = W < 520 ? 0 : 76, H = 88, x0 = gutter, x1 = W - 2, span = Math.max(s[3], 1);
    function X(rel) { return x0 + (x1 - x0) * rel / span; }
    var out = [];
    out.push('<svg class="timeline" width="' + W + '" height="' + H +
      '" viewBox="0 0 ' + W + ' ' + H + '" role="img" aria-label="' + esc(D.agents[s[0]][0] + ' ' + s[1]) + ': scheduled activities above actual states">');
    // Hour ticks in local time.
    var pxPerHour = (x1 - x0) * 3600 / span;
    var step = pxPerHour >= 34 ? 1 : pxPerHour >= 17 ? 2 : pxPerHour >= 9 ? 4 : 6;
    var l0 = localSeconds(s, 0);
    var first = Math.ceil(l0 / 3600) * 3600 - l0;
    for (var rel = first; rel <= span; rel += 3600) {
      var hour = Math.round((((localSeconds(s, rel) % 86400) + 86400) % 86400) / 3600) % 24;
      if (hour % step) continue;
      var x = X(rel);
      out.push('<line x1="' + x.toFixed(1) + '" x2="' + x.toFixed(1) + '" y1="13" y2="80" stroke="#e9ecef"/>');
      out.push('<text x="' + x.toFixed(1) + '" y="10" font-size="10" text-anchor="middle" fill="#616e7c">' + pad(hour) + '</text>');
    }
    if (gutter) {
      out.push('<text x="0" y="33" font-size="11" fill="#616e7c">Scheduled</text>');
      out.push('<text x="0" y="57" font-size="11" fill="#616e7c">Actual</text>');
      out.push('<text x="0" y="76" font-size="11" fill="#616e7c">Adherence</text>');
    }
    var pos, k, d, c, lane;
    // Scheduled activities (from shift start); code 0 is "nothing scheduled".
    for (lane = dec(s[7]), pos = s[4], k = 0; k < lane.length; k += 2) {
      d = lane[k]; c = lane[k + 1] - 1;
      if (c >= 0) {
        var w = X(pos + d) - X(pos), name = D.acts[c];
        rect(out, X(pos), 18, w, 22, KIND[D.kinds[c]], clock(s, pos) + '–' + clock(s, pos + d) + ' scheduled ' + name + ' (' + dur(d) + ')');
        if (w > name.length * 6.4 + 6) out.push('<text x="' + (X(pos) + 4).toFixed(1) + '" y="33" font-size="11" fill="#1f2933" pointer-events="none">' + esc(name) + '</text>');
      }
      pos += d;
    }
    // Actual states (across the conformance window).
    for (lane = dec(s[8]), pos = s[12], k = 0; k < lane.length; k += 2) {
      d = lane[k]; c = lane[k + 1] - 1;
      var base = D.sbase[c];
      rect(out, X(pos), 44, X(pos + d) - X(pos), 22, STATE[base] || '#dee2e6',
        clock(s, pos) + '–' + clock(s, pos + d) + ' ' + D.states[c] + ' (' + dur(d) + ')',
        base === 'logged_out' ? ' stroke="#ced4da" stroke-width="0.5"' : '');
      pos += d;
    }
    // Verdicts (from shift start).
    for (lane = dec(s[9]), pos = s[4], k = 0; k < lane.length; k += 2) {
      d = lane[k]; c = lane[k + 1] - 1;
      if (VERDICT[c]) rect(out, X(pos), 70, X(pos + d) - X(pos), 7, VERDICT[c], clock(s, pos) + '–' + clock(s, pos + d) + ' ' + VERDICT_NAME[c] + ' (' + dur(d) + ')');
      pos += d;
    }
    // Shift bounds.
    [s[4], s[5]].forEach(function (r) {
      out.push('<line x1="' + X(r).toFixed(1) + '" x2="' + X(r).toFixed(1) + '" y1="14" y2="80" stroke="#495057" stroke-dasharray="3 2"/>');
    });
    // Exceptions: outlined across both lanes, with a bar underneath.
    for (lane = dec(s[10]), k = 0; k < lane.length; k += 2) {
      var xs = X(lane[k]), xe = X(lane[k] + lane[k + 1]);
      out.push('<rect class="exception" x="' + xs.toFixed(1) + '" y="15.5" width="' + Math.max(xe - xs, 1.5).toFixed(1) +
        '" height="63" fill="#e03131" fill-opacity="0.08" stroke="#e03131" stroke-width="1.5"><title>exception ' +
        clock(s, lane[k]) + '–' + clock(s, lane[k] + lane[k + 1]) + ' (' + dur(lane[k + 1]) + ')</title></rect>');
      out.push('<rect x="' + xs.toFixed(1) + '" y="81" width="' + Math.max(xe - xs, 1.5).toFixed(1) + '" height="5" fill="#e03131"/>');
    }
    out.push('</svg>');
    return out.join('');
  }

  function dayBlock(i, W) {
    var s = D.shifts[i], m = s[11], a = D.agents[s[0]];
    var wd = WEEKDAY[new Date(s[1] + 'T00:00:00Z').getUTCDay()];
    var parts = ['<b>' + esc(a[0]) + '</b>', '<b>' + wd + ' ' + s[1] + '</b>', clock(s, s[4]) + '–' + clock(s, s[5]),
      'adherence ' + pct(m[0]), 'adjusted ' + pct(m[1]), 'conformance ' + pct(m[2])];
    if (m[7]) parts.push('<span class="bad">no-show</span>');
    else {
      if (m[3] === 0) parts.push('on time');
      else if (m[3] !== null) parts.push((m[5] ? '<span class="bad">' : '<span>') + 'late ' + dur(m[3]) + '</span>');
      if (m[4]) parts.push((m[6] ? '<span class="bad">' : '<span>') + 'early logout ' + dur(m[4]) + '</span>');
    }
    parts.push(m[8] + ' exception' + (m[8] === 1 ? '' : 's'));
    parts.push('<code>adhere explain --agent ' + esc(/^[\w@.+-]+$/.test(a[0]) ? a[0] : "'" + a[0].replace(/'/g, "'\\''") + "'") + ' --date ' + s[1] + '</code>');
    return '<div class="day" data-agent="' + esc(a[0]) + '" data-date="' + s[1] + '"><div class="dayhead">' + parts.join(' <span class="muted">·</span> ') +
      '</div>' + drawShift(s, W) + '</div>';
  }

  var lastWidth = 0;
  function selection() {
    var a = agentSel.value, d = dateSel.value, list = [];
    if (a !== '') list = byAgent[+a].filter(function (i) { return !d || D.shifts[i][1] === d; });
    else if (d) list = D.shifts.map(function (_, i) { return i; }).filter(function (i) { return D.shifts[i][1] === d; });
    return list;
  }
  function render() {
    var list = selection();
    var W = Math.max(300, Math.floor(box.clientWidth || 900) - 22);
    lastWidth = box.clientWidth;
    if (!D.shifts.length) {
      box.innerHTML = '<p class="muted">No shift in this report.</p>';
      info.textContent = '';
      return;
    }
    if (agentSel.value === '' && !dateSel.value) {
      box.innerHTML = '<p class="muted">Pick an agent, or a date to see every agent on it.</p>';
      info.textContent = '';
      return;
    }
    box.innerHTML = list.slice(0, shown).map(function (i) { return dayBlock(i, W); }).join('') +
      (list.length > shown ? '<p class="noprint"><button type="button" id="tl-more">Show ' + Math.min(PAGE, list.length - shown) + ' more of ' + (list.length - shown) + '</button></p>' : '') +
      (list.length ? '' : '<p class="muted">No shift for this choice.</p>');
    info.textContent = list.length + ' shift' + (list.length === 1 ? '' : 's');
    var more = document.getElementById('tl-more');
    if (more) more.addEventListener('click', function () { shown += PAGE; render(); });
  }
  function choose(agentKey, date) {
    var idx = '';
    if (agentKey !== null) {
      for (var i = 0; i < D.agents.length; i++) if (D.agents[i][0] === agentKey && byAgent[i].length) { idx = String(i); break; }
    }
    agentSel.value = idx;
    dateSel.value = date && dates.indexOf(date) >= 0 ? date : '';
    shown = PAGE;
    render();
  }
  function fromHash() {
    var h = location.hash.replace(/^#/, ''), agent = null, date = null;
    h.split('&').forEach(function (kv) {
      var p = kv.split('=');
      if (p.length !== 2) return;
      var v = decodeURIComponent(p[1]);
      if (p[0] === 'agent') agent = v;
      if (p[0] === 'date') date = v;
    });
    return agent === null && date === null ? null : [agent, date];
  }
  function step(delta) {
    var opts = agentSel.options, i = agentSel.selectedIndex + delta;
    if (i >= 1 && i < opts.length) { agentSel.selectedIndex = i; shown = PAGE; render(); }
  }
  agentSel.addEventListener('change', function () { shown = PAGE; render(); });
  dateSel.addEventListener('change', function () { shown = PAGE; render(); });
  document.getElementById('tl-prev').addEventListener('click', function () { step(-1); });
  document.getElementById('tl-next').addEventListener('click', function () { step(1); });
  window.addEventListener('hashchange', function () {
    var h = fromHash();
    if (h) {
      choose(h[0], h[1]);
      document.getElementById('timelines').scrollIntoView();
    }
  });
  var timer = null;
  window.addEventListener('resize', function () {
    clearTimeout(timer);
    timer = setTimeout(function () { if (Math.abs(box.clientWidth - lastWidth) > 8) render(); }, 150);
  });
  var start = fromHash();
  if (start) {
    choose(start[0], start[1]);
    document.getElementById('timelines').scrollIntoView();
  } else choose(D.first === null ? null : D.agents[D.first][0], null);
})();
