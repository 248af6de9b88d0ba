// Draws `userkernel trace report`'s page from the data the command embedded in #trace-data. No network, no libraries.
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  var COLOURS = { emulated: '#4e79a7', forwarded: '#f28e2b', unimplemented: '#e15759' };
  var MARKS = { fork: '#2a2a2a', exec: '#59a14f', signal: '#b07aa1', exit: '#e15759' };
  var data = JSON.parse(document.getElementById('trace-data').textContent);
  var app = document.getElementById('app');

  function colour(disposition) { return COLOURS[disposition] || '#9c9c9c'; }

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    (children || []).forEach(function (c) { e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }

  function svg(tag, attrs, title) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (title) { var t = document.createElementNS(SVG, 'title'); t.textContent = title; e.appendChild(t); }
    return e;
  }

  function time(us) {
    if (us >= 1e6) return (us / 1e6).toFixed(3) + ' s';
    if (us >= 1e3) return (us / 1e3).toFixed(3) + ' ms';
    return us.toFixed(1) + ' µs';
  }

  // An axis label: no more digits than the step between ticks needs.
  function tick(us, step) {
    if (us === 0) return '0';
    var unit = step >= 1e6 ? 1e6 : step >= 1e3 ? 1e3 : 1, name = unit === 1e6 ? ' s' : unit === 1e3 ? ' ms' : ' µs';
    var digits = Math.max(0, -Math.floor(Math.log10(step / unit) + 1e-9));
    return (us / unit).toFixed(digits) + name;
  }

  function table(headings, rows, numeric) {
    var head = el('tr', {}, headings.map(function (h) { return el('th', {}, [h]); }));
    var body = rows.map(function (r) {
      return el('tr', {}, r.map(function (v, i) {
        return el('td', numeric && numeric[i] ? { class: 'num' } : {}, [v instanceof Node ? v : String(v)]);
      }));
    });
    return el('table', {}, [el('thead', {}, [head]), el('tbody', {}, body)]);
  }

  function swatch(disposition) {
    return el('span', { class: 'swatch', style: 'background:' + colour(disposition) }, []);
  }

  var calls = data.calls.map(function (c) {
    return { tid: c[0], pid: c[1], name: c[2], disposition: c[3], start: c[4], dur: c[5], kernel: c[6], failed: c[7] === 1, text: c[8] };
  });
  var marks = data.marks.map(function (m) { return { kind: m[0], pid: m[1], tid: m[2], at: m[3], text: m[4] }; });
  var processes = {};
  data.processes.forEach(function (p) { processes[p.pid] = p; p.children = []; p.calls = 0; });
  calls.forEach(function (c) { if (processes[c.pid]) processes[c.pid].calls++; });
  var roots = [];
  data.processes.forEach(function (p) {
    if (p.parent && processes[p.parent]) processes[p.parent].children.push(p); else roots.push(p);
  });
  // Times from the first event on: the trace starts a little before the guest does.
  var first = Infinity, span = 0;
  calls.forEach(function (c) { first = Math.min(first, c.start); });
  marks.forEach(function (m) { first = Math.min(first, m.at); });
  if (first === Infinity) first = 0;
  calls.forEach(function (c) { c.start -= first; span = Math.max(span, c.start + c.dur); });
  marks.forEach(function (m) { m.at -= first; span = Math.max(span, m.at); });

  // In tree order: each process, then its children.
  var ordered = [];
  (function walk(list) { list.forEach(function (p) { ordered.push(p); walk(p.children); }); })(roots);

  function section(title, id, body) {
    app.appendChild(el('section', { id: id }, [el('h2', {}, [title])].concat(body)));
  }

  app.appendChild(el('p', { class: 'overview' }, [
    calls.length + ' mediated syscalls in ' + data.processes.length + ' processes over ' + time(span) +
    ' (passthrough syscalls run on the host without stopping and are not traced)']));

  // The process tree.
  function treeItem(p) {
    var details = [];
    if (p.programs.length) details.push('exec ' + p.programs.join(', '));
    details.push(p.calls + ' calls');
    if (p.threads.length > 1) details.push('threads ' + p.threads.join(', '));
    if (p.exit) details.push(p.exit);
    var item = el('li', { class: 'process', 'data-pid': String(p.pid) }, [
      el('span', { class: 'pid' }, [String(p.pid)]), ' ', el('b', {}, [p.name]), ' ', el('span', { class: 'muted' }, [details.join(' · ')])]);
    if (p.children.length) item.appendChild(el('ul', {}, p.children.map(treeItem)));
    return item;
  }
  section('Process tree', 'tree', [el('ul', { class: 'tree' }, roots.map(treeItem))]);

  // The timeline: a row per thread, grouped by process; calls that fall in the same pixel merge into one bar.
  var rows = [];
  ordered.forEach(function (p) {
    p.threads.forEach(function (tid) { rows.push({ pid: p.pid, tid: tid, label: tid === p.threads[0] ? p.pid + ' ' + p.name : '  thread ' + tid }); });
  });
  var rowOf = {};
  rows.forEach(function (r, i) { rowOf[r.tid] = i; });
  var labelWidth = 230, rowHeight = 20, axisHeight = 22;
  var plotWidth = Math.max(500, Math.min(1600, (app.clientWidth || 1200) - labelWidth - 60));
  var scale = span > 0 ? plotWidth / span : 1;
  var height = axisHeight + rows.length * rowHeight + 4;
  var chart = svg('svg', { class: 'timeline', width: labelWidth + plotWidth + 50, height: height, 'data-rows': String(rows.length) });
  var step = Math.pow(10, Math.floor(Math.log10(Math.max(span, 1) / 5)));
  if (span / step > 10) step *= 2;
  if (span / step > 10) step *= 2.5;
  for (var t = 0; t <= span; t += step) {
    var x = labelWidth + t * scale;
    chart.appendChild(svg('line', { x1: x, x2: x, y1: axisHeight - 4, y2: height, class: 'grid' }));
    chart.appendChild(svg('text', { x: x + 2, y: 12, class: 'axis' })).textContent = tick(t, step);
  }
  rows.forEach(function (r, i) {
    var y = axisHeight + i * rowHeight;
    if (i % 2 === 0) chart.appendChild(svg('rect', { x: 0, y: y, width: labelWidth + plotWidth, height: rowHeight, class: 'band' }));
    chart.appendChild(svg('text', { x: 4, y: y + 13, class: 'label' })).textContent = r.label;
  });
  var open = {};
  function flush(bar) {
    var y = axisHeight + rowOf[bar.tid] * rowHeight + 3;
    var title = bar.count === 1 ? bar.text + ' <' + time(bar.dur) + ', kernel ' + time(bar.kernel) + '> [' + bar.disposition + ']'
      : bar.count + ' ' + bar.disposition + ' calls, ' + time(bar.dur) + ' in all (' + bar.names + ')';
    chart.appendChild(svg('rect', {
      x: (labelWidth + bar.x0).toFixed(2), y: y, width: Math.max(1, bar.x1 - bar.x0).toFixed(2), height: rowHeight - 6,
      fill: colour(bar.disposition), class: 'call' + (bar.failed ? ' failed' : '')
    }, title));
  }
  calls.slice().sort(function (a, b) { return a.start - b.start; }).forEach(function (c) {
    if (rowOf[c.tid] === undefined) return;
    var x0 = c.start * scale, x1 = (c.start + c.dur) * scale;
    var bar = open[c.tid];
    if (bar && bar.disposition === c.disposition && x0 <= bar.x1 + 1) {
      bar.x1 = Math.max(bar.x1, x1); bar.count++; bar.dur += c.dur; bar.failed = bar.failed || c.failed;
      if (bar.names.indexOf(c.name) < 0 && bar.names.length < 60) bar.names += ', ' + c.name;
      return;
    }
    if (bar) flush(bar);
    open[c.tid] = { tid: c.tid, x0: x0, x1: x1, count: 1, dur: c.dur, kernel: c.kernel, failed: c.failed, disposition: c.disposition, text: c.text, names: c.name };
  });
  Object.keys(open).forEach(function (tid) { flush(open[tid]); });
  marks.forEach(function (m) {
    if (rowOf[m.tid] === undefined) return;
    var x = labelWidth + m.at * scale, y = axisHeight + rowOf[m.tid] * rowHeight;
    chart.appendChild(svg('path', {
      d: 'M' + (x - 4).toFixed(2) + ',' + y + ' L' + (x + 4).toFixed(2) + ',' + y + ' L' + x.toFixed(2) + ',' + (y + 7) + ' Z',
      fill: MARKS[m.kind] || '#000', class: 'mark mark-' + m.kind
    }, m.text));
  });
  var legend = el('p', { class: 'legend' }, []);
  Object.keys(COLOURS).forEach(function (d) { legend.appendChild(swatch(d)); legend.appendChild(document.createTextNode(d + '  ')); });
  Object.keys(MARKS).forEach(function (k) {
    legend.appendChild(el('span', { class: 'marker', style: 'color:' + MARKS[k] }, ['▼']));
    legend.appendChild(document.createTextNode(k + '  '));
  });
  section('Syscalls over time', 'timeline', [legend, el('div', { class: 'scroll' }, [chart])]);

  // The slowest calls.
  var slowest = calls.slice().sort(function (a, b) { return b.dur - a.dur; }).slice(0, data.top);
  section('Slowest ' + slowest.length + ' calls', 'slowest', [table(['time', 'kernel', 'pid', 'tid', 'process', 'disposition', 'call'],
    slowest.map(function (c) {
      return [time(c.dur), time(c.kernel), c.pid, c.tid, processes[c.pid] ? processes[c.pid].name : '',
        el('span', {}, [swatch(c.disposition), c.disposition]), el('code', {}, [c.text])];
    }), [true, true, true, true])]);

  // Counts.
  function count(key) {
    var rows = {};
    calls.forEach(function (c) {
      var k = key(c), r = rows[k] || (rows[k] = { key: k, calls: 0, errors: 0, dur: 0, kernel: 0, dispositions: {} });
      r.calls++; r.dur += c.dur; r.kernel += c.kernel; if (c.failed) r.errors++; r.dispositions[c.disposition] = true;
    });
    return Object.keys(rows).map(function (k) { return rows[k]; }).sort(function (a, b) { return b.calls - a.calls || b.dur - a.dur; });
  }
  section('By disposition', 'dispositions', [table(['disposition', 'calls', 'errors', 'time', 'kernel time'],
    count(function (c) { return c.disposition; }).map(function (r) {
      return [el('span', {}, [swatch(r.key), r.key]), r.calls, r.errors, time(r.dur), time(r.kernel)];
    }), [false, true, true, true, true])]);
  section('By syscall', 'syscalls', [table(['syscall', 'calls', 'errors', 'time', 'kernel time', 'disposition'],
    count(function (c) { return c.name; }).map(function (r) {
      return [el('code', {}, [r.key]), r.calls, r.errors, time(r.dur), time(r.kernel), Object.keys(r.dispositions).join(', ')];
    }), [false, true, true, true, true])]);

  document.body.setAttribute('data-rendered', '1');
})();
