// Steadfast's dashboard: polls api/overview (the steadfast actuator endpoint's data) and draws it.
// Everything from the server goes into the page as text, never as HTML: keys and errors are data.
(function () {
  'use strict';
  var POLL_MILLIS = 2000;
  var SVG = 'http://www.w3.org/2000/svg';

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function age(seconds) {
    if (seconds < 60) { return seconds + ' s'; }
    if (seconds < 3600) { return Math.floor(seconds / 60) + ' min'; }
    if (seconds < 86400) { return Math.floor(seconds / 3600) + ' h ' + Math.floor(seconds % 3600 / 60) + ' min'; }
    return Math.floor(seconds / 86400) + ' d';
  }

  function bytes(n) {
    if (n < 1024) { return n + ' B'; }
    if (n < 1048576) { return (n / 1024).toFixed(1) + ' KiB'; }
    return (n / 1048576).toFixed(1) + ' MiB';
  }

  function until(iso, now) {
    var s = Math.round((Date.parse(iso) - Date.parse(now)) / 1000);
    return s <= 0 ? 'due now' : 'in ' + age(s);
  }

  function post(path, body) {
    return fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body || {}) })
      .then(function (r) {
        return r.json().then(function (json) {
          if (!r.ok) { throw new Error(json.error || ('HTTP ' + r.status)); }
          return json;
        });
      })
      .then(function (result) { say(result.detail); refresh(); })
      .catch(function (e) { say('Failed: ' + e.message); });
  }

  function say(text) { $('message').textContent = text; }

  // Rows are kept per key and only their text is updated, so a button stays the same element
  // between polls and a click never lands on a row that is being replaced.
  function syncRows(tbody, entries, columns, empty, texts, decorate) {
    var existing = {};
    Array.prototype.forEach.call(tbody.querySelectorAll('tr[data-key]'), function (row) { existing[row.getAttribute('data-key')] = row; });
    var placeholder = tbody.querySelector('tr.empty-row');
    if (entries.length === 0) {
      Object.keys(existing).forEach(function (key) { existing[key].remove(); });
      if (!placeholder) {
        placeholder = el('tr', { 'class': 'empty-row' });
        placeholder.appendChild(el('td', { colspan: String(columns), 'class': 'empty' }, empty));
        tbody.appendChild(placeholder);
      }
      return;
    }
    if (placeholder) { placeholder.remove(); }
    var keep = {};
    entries.forEach(function (entry) {
      var row = existing[entry.key];
      var values = texts(entry);
      if (!row) {
        row = el('tr', { 'data-key': entry.key });
        values.forEach(function (value, i) { row.appendChild(el('td', i === values.length - 1 ? { 'class': 'error' } : {})); });
        if (decorate) { decorate(row); }
      }
      row.setAttribute('data-id', String(entry.id));
      values.forEach(function (value, i) { row.children[i].textContent = value === null || value === undefined ? '' : String(value); });
      keep[entry.key] = true;
      tbody.appendChild(row);
    });
    Object.keys(existing).forEach(function (key) { if (!keep[key]) { existing[key].remove(); } });
  }

  function drawCircuits(circuits) {
    var tbody = $('circuits');
    circuits.forEach(function (c) {
      var tr = $('circuit-' + c.route);
      if (!tr) {
        tr = el('tr', { id: 'circuit-' + c.route });
        tr.appendChild(el('td', {}, c.route));
        var td = el('td');
        td.appendChild(el('span'));
        tr.appendChild(td);
        tr.appendChild(el('td'));
      }
      tr.setAttribute('data-state', c.state);
      var badge = tr.children[1].firstChild;
      badge.setAttribute('class', 'badge ' + c.state);
      badge.textContent = c.state.replace('_', ' ');
      tr.children[2].textContent = c.since ? new Date(c.since).toLocaleTimeString() : '';
      tbody.appendChild(tr);
    });
  }

  function drawDead(entries) {
    var reasons = {};
    syncRows($('dead'), entries, 6, 'No dead letters.', function (e) {
      if (e.reason) { reasons[e.reason] = true; }
      return [e.key, age(e.ageSeconds), e.attempts, e.reason, e.lastError];
    }, function (row) {
      var td = el('td');
      var button = el('button', { type: 'button', 'class': 'requeue', title: 'Queue it again, due now' }, 'Requeue');
      button.addEventListener('click', function () { post('api/requeue', { id: Number(row.getAttribute('data-id')) }); });
      td.appendChild(button);
      row.appendChild(td);
    });
    var holder = $('requeue-reasons');
    var shown = Array.prototype.map.call(holder.children, function (b) { return b.getAttribute('data-reason'); }).join();
    if (shown === Object.keys(reasons).join()) { return; }
    holder.replaceChildren();
    Object.keys(reasons).forEach(function (reason) {
      var button = el('button', { type: 'button', 'class': 'requeue-reason', 'data-reason': reason }, 'Requeue all ' + reason);
      button.addEventListener('click', function () { post('api/requeue', { reason: reason }); });
      holder.appendChild(button);
    });
  }

  function drawWaiting(tbody, entries, now, empty) {
    syncRows(tbody, entries, 5, empty, function (e) {
      return [e.key, age(e.ageSeconds), e.attempts, until(e.nextAttemptAt, now), e.lastError];
    });
  }

  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function drawChart(history, now) {
    var chart = $('chart');
    chart.replaceChildren();
    var W = 800, H = 180, top = 10, bottom = 160, end = Date.parse(now);
    var samples = history.samples;
    // The last hour, or less while the process has not sampled for an hour yet (at least a minute).
    var span = 3600 * 1000;
    if (samples.length > 0) { span = Math.min(span, Math.max(60 * 1000, end - Date.parse(samples[0].at))); }
    chart.setAttribute('data-samples', String(samples.length));
    var perMinute = history.intervalSeconds > 0 ? 60 / history.intervalSeconds : 0;
    var max = 1;
    samples.forEach(function (s) { max = Math.max(max, s.queued, s.delivered * perMinute); });
    [0, 0.5, 1].forEach(function (f) {
      var y = bottom - f * (bottom - top);
      chart.appendChild(svg('line', { x1: 0, x2: W, y1: y, y2: y, 'class': 'grid' }));
      chart.appendChild(svg('text', { x: 4, y: y - 2 }, String(Math.round(max * f))));
    });
    chart.appendChild(svg('text', { x: 4, y: H - 4 }, age(Math.round(span / 1000)) + ' ago'));
    chart.appendChild(svg('text', { x: W - 30, y: H - 4 }, 'now'));
    function line(value, cls) {
      var points = samples.map(function (s) {
        var x = W - (end - Date.parse(s.at)) / span * W;
        return x.toFixed(1) + ',' + (bottom - value(s) / max * (bottom - top)).toFixed(1);
      });
      if (points.length > 0) { chart.appendChild(svg('polyline', { points: points.join(' '), 'class': cls })); }
    }
    line(function (s) { return s.queued; }, 'queued-line');
    line(function (s) { return s.delivered * perMinute; }, 'rate-line');
  }

  function draw(o) {
    var spool = o.spool;
    $('status').textContent = (o.running ? 'running' : 'not running') + (spool ? ' \u00b7 ' + spool.store + ' spool' : ' \u00b7 no spool')
      + ' \u00b7 updated ' + new Date(o.now).toLocaleTimeString();
    ['pending', 'in_flight', 'reconciling', 'dead', 'delivered'].forEach(function (state) {
      $('count-' + state).textContent = spool ? String(spool.countByState[state]) : '\u2013';
    });
    $('oldest').textContent = spool ? age(spool.oldestPendingAgeSeconds) : '\u2013';
    $('bytes').textContent = spool ? bytes(spool.bytes) : '\u2013';
    drawCircuits(o.circuits);
    drawDead(o.deadLetters);
    drawWaiting($('reconciling'), o.reconciling, o.now, 'Nothing to reconcile.');
    drawWaiting($('pending'), o.pending, o.now, 'Nothing pending.');
    drawChart(o.history, o.now);
    document.body.setAttribute('data-updated', o.now);
  }

  function refresh() {
    return fetch('api/overview', { headers: { Accept: 'application/json' } })
      .then(function (r) {
        if (!r.ok) { throw new Error('HTTP ' + r.status); }
        return r.json();
      })
      .then(draw)
      .catch(function (e) { $('status').textContent = 'cannot reach the application: ' + e.message; });
  }

  $('flush').addEventListener('click', function () { post('api/flush', {}); });
  refresh();
  setInterval(refresh, POLL_MILLIS);
}());
