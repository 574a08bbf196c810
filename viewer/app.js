// Sentinel viewer: plays a run (served by `sentinel view RUN_DIR`) on an offline CesiumJS globe.
//
// Data: /api/meta (run facts), /api/status (progress of the server's CZML build: the server
// listens at once and builds the CZML in the background; the page shows the progress until it is
// ready), /api/run.czml (satellites, sensors, detections; every entity has properties
// {nation, kind}), /api/events (a window of the event log around the clock).
// window.sentinelProgress lists the build states the page showed ({czml, ticks_done, ticks}).
// Query parameters: ?tick=N starts the clock at tick N, paused.
// When loaded and drawn, window.sentinelReady holds the entity and event counts (and the body
// element gets data-sentinel-ready="true"); on failure window.sentinelError holds the message.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const KINDS = ['satellite', 'sensor', 'detection'];
  const PREFIX = { 'sat/': 'satellite', 'sensor/': 'sensor', 'det/': 'detection' };

  function fail(err) {
    const msg = String((err && (err.stack || err.message)) || err);
    console.error('sentinel viewer:', msg);
    if (!window.sentinelError) window.sentinelError = msg;
    document.body.dataset.sentinelError = 'true';
    $('subtitle').textContent = 'error: ' + ((err && err.message) || err);
  }
  window.addEventListener('error', (e) => fail(e.error || e.message));
  window.addEventListener('unhandledrejection', (e) => fail(e.reason));

  async function getJson(url) {
    const r = await fetch(url);
    if (!r.ok) throw new Error(`${url}: ${r.status} ${await r.text()}`);
    return r.json();
  }

  // No Cesium ion: no token, no ion imagery, terrain or geocoder, and no "Cesium ion" logo
  // (CesiumJS shows it by default; the imagery's own credit stays).
  Cesium.Ion.defaultAccessToken = '';
  Cesium.CreditDisplay.cesiumCredit = undefined;

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  // Polls /api/status until the server's CZML is ready, showing its progress over the globe.
  async function waitForCzml() {
    window.sentinelProgress = [];
    const box = $('progress');
    for (;;) {
      const s = await getJson('/api/status');
      if (s.czml === 'ready') {
        box.hidden = true;
        return s;
      }
      if (s.czml === 'failed') {
        box.hidden = true;
        throw new Error(`the server could not make the run's globe data: ${s.error}`);
      }
      window.sentinelProgress.push({ czml: s.czml, ticks_done: s.ticks_done, ticks: s.ticks });
      const pct = s.ticks > 0 ? Math.floor((100 * s.ticks_done) / s.ticks) : 0;
      box.hidden = false;
      $('progress-text').textContent =
        s.ticks_done > 0
          ? `Preparing the globe: re-simulating the run, tick ${s.ticks_done} of ${s.ticks} (${pct} %, ${s.elapsed_s} s)`
          : `Preparing the globe (${s.elapsed_s} s)…`;
      // Without a tick count yet (a CZML file being read) the bar is indeterminate.
      if (s.ticks_done > 0) $('progress-bar').value = pct;
      else $('progress-bar').removeAttribute('value');
      await sleep(400);
    }
  }

  const viewer = new Cesium.Viewer('globe', {
    baseLayer: Cesium.ImageryLayer.fromProviderAsync(
      Cesium.TileMapServiceImageryProvider.fromUrl(Cesium.buildModuleUrl('Assets/Textures/NaturalEarthII')),
    ),
    terrainProvider: new Cesium.EllipsoidTerrainProvider(),
    baseLayerPicker: false,
    geocoder: false,
    timeline: true,
    animation: true,
    homeButton: true,
    sceneModePicker: true,
    navigationHelpButton: false,
    fullscreenButton: false,
    infoBox: true,
    selectionIndicator: true,
    shouldAnimate: false,
    targetFrameRate: 30,
  });
  window.sentinelViewer = viewer;

  const state = {
    meta: null,
    ds: null,
    epoch: null,
    nationOn: new Map(),
    kindOn: new Map(KINDS.map((k) => [k, true])),
    events: [],
    loaded: null, // {from, to, key} of the events shown
    fetching: false,
    nowTick: -1,
  };

  function propOf(e, name) {
    const bag = e.properties;
    if (!bag || !bag.hasProperty(name)) return undefined;
    const p = bag[name];
    return p && typeof p.getValue === 'function' ? p.getValue(viewer.clock.currentTime) : p;
  }

  function kindOf(e) {
    const k = propOf(e, 'kind');
    if (k) return k;
    for (const [p, kind] of Object.entries(PREFIX)) if (e.id.startsWith(p)) return kind;
    return undefined;
  }

  function tickOf(julian) {
    const s = Cesium.JulianDate.secondsDifference(julian, state.epoch);
    return Math.max(0, Math.floor(s / state.meta.tick_s));
  }

  function julianOfTick(tick) {
    return Cesium.JulianDate.addSeconds(state.epoch, tick * state.meta.tick_s, new Cesium.JulianDate());
  }

  function applyFilters() {
    for (const e of state.ds.entities.values) {
      const nation = propOf(e, 'nation');
      const kind = kindOf(e);
      const nationOk = nation === undefined || state.nationOn.get(nation) !== false;
      const kindOk = kind === undefined || state.kindOn.get(kind) !== false;
      e.show = nationOk && kindOk;
      if (kind === 'sensor' && e.ellipsoid) e.ellipsoid.show = $('regard').checked;
      if (kind === 'satellite' && e.label) e.label.show = $('labels').checked;
    }
    refreshEvents(true);
  }

  function nationColor(nation) {
    // The `nation/ID` packet carries the colour; else take a sensor's.
    const ne = state.ds.entities.getById(`nation/${nation}`);
    const c = ne && propOf(ne, 'colour');
    if (c) return c;
    for (const e of state.ds.entities.values) {
      if (kindOf(e) === 'sensor' && propOf(e, 'nation') === nation && e.point) {
        const c = e.point.color && e.point.color.getValue(viewer.clock.currentTime);
        if (c) return c.toCssColorString();
      }
    }
    return undefined;
  }

  function buildFilters(counts) {
    const nations = new Set(state.meta.nations || []);
    for (const e of state.ds.entities.values) {
      const n = propOf(e, 'nation');
      if (n) nations.add(n);
    }
    const box = $('nations');
    for (const n of [...nations].sort()) {
      state.nationOn.set(n, true);
      const label = document.createElement('label');
      const input = document.createElement('input');
      input.type = 'checkbox';
      input.checked = state.nationOn.get(n);
      input.dataset.nation = n;
      input.addEventListener('change', () => {
        state.nationOn.set(n, input.checked);
        applyFilters();
      });
      label.append(input);
      const color = nationColor(n);
      if (color) {
        const sw = document.createElement('span');
        sw.className = 'swatch';
        sw.style.background = color;
        label.append(sw);
      }
      label.append(n);
      box.append(label);
    }
    for (const input of document.querySelectorAll('#layers input[data-kind]')) {
      const kind = input.dataset.kind;
      $('n-' + kind).textContent = `(${counts[kind] || 0})`;
      input.addEventListener('change', () => {
        state.kindOn.set(kind, input.checked);
        applyFilters();
      });
    }
    $('window').addEventListener('change', () => refreshEvents(true));
    $('regard').addEventListener('change', applyFilters);
    $('labels').addEventListener('change', applyFilters);
    $('routine').addEventListener('change', () => refreshEvents(true));
  }

  function pad2(n) {
    return String(n).padStart(2, '0');
  }

  function describe(ev) {
    const parts = [];
    if (ev.sensor) parts.push(ev.sensor);
    if (ev.from !== undefined && ev.to !== undefined) parts.push(`${ev.from}→${ev.to}`);
    else if (ev.requester !== undefined) parts.push(`${ev.requester}→${ev.provider}`);
    else if (ev.home !== undefined) parts.push(`${ev.home}→${ev.host}`);
    else if (ev.nation !== undefined && !ev.sensor) parts.push(ev.nation);
    if (ev.object !== undefined) parts.push(`#${ev.object}`);
    if (Array.isArray(ev.objects)) {
      parts.push('#' + ev.objects.slice(0, 4).join(', #') + (ev.objects.length > 4 ? ', …' : ''));
    }
    for (const k of ['product', 'request', 'inject', 'agreement', 'liaison', 'via', 'channel', 'reason', 'outcome', 'scope', 'id']) {
      const v = ev[k];
      if (v !== undefined && v !== null && typeof v !== 'object') parts.push(`${k} ${v}`);
    }
    if (ev.uct) parts.push('UCT');
    if (ev.latency_s !== undefined) parts.push(`${ev.latency_s} s`);
    if (ev.in_custody_total !== undefined) parts.push(`${ev.in_custody_total}/${ev.known_total} in custody`);
    if (ev.depth !== undefined) parts.push(`depth ${ev.depth}`);
    if (ev.on_duty !== undefined) parts.push(ev.on_duty ? 'on duty' : 'off duty');
    if (ev.active !== undefined) parts.push(ev.active ? 'active' : 'ended');
    return parts.join(' · ');
  }

  function renderEvents() {
    const list = $('events');
    list.replaceChildren();
    const frag = document.createDocumentFragment();
    state.events.forEach((ev, i) => {
      const li = document.createElement('li');
      li.dataset.i = i;
      const t = document.createElement('span');
      t.className = 't';
      t.textContent = typeof ev.time === 'string' ? ev.time.slice(11, 19) : `tick ${ev.tick}`;
      const k = document.createElement('span');
      k.className = 'k';
      k.textContent = ev.kind;
      const d = document.createElement('span');
      d.className = 'd';
      d.textContent = describe(ev);
      li.append(t, k, d);
      frag.append(li);
    });
    list.append(frag);
    const w = state.loaded;
    const n = state.events.length;
    const span = w.to >= state.meta.ticks ? 'to the end' : `to ${julianText(julianOfTick(w.to))}`;
    const cut = [w.beforeCut && 'earlier', w.afterCut && 'later'].filter(Boolean).join(' and ');
    $('events-status').textContent =
      `${n} event${n === 1 ? '' : 's'} from ${julianText(julianOfTick(w.from))} ${span}` +
      (cut ? ` (${cut} ones left out: narrow the window or the nations)` : '');
    state.nowTick = -1;
    markCurrent();
  }

  function julianText(j) {
    const g = Cesium.JulianDate.toGregorianDate(j);
    return `${pad2(g.hour)}:${pad2(g.minute)}:${pad2(g.second)}`;
  }

  // The events around the clock: the last BEFORE of the window up to now, and the first AFTER from
  // now on (a window can hold far more events than a list can show).
  const BEFORE = 200;
  const AFTER = 300;

  async function refreshEvents(force) {
    if (!state.meta || state.fetching) {
      if (force) state.pendingForce = true;
      return;
    }
    const ticks = state.meta.ticks;
    const now = Math.min(tickOf(viewer.clock.currentTime), ticks);
    const win = Number($('window').value);
    const half = win > 0 ? Math.ceil(win / state.meta.tick_s) : ticks;
    const from = win > 0 ? Math.max(0, now - half) : 0;
    const to = win > 0 ? now + half : ticks;
    const on = [...state.nationOn].filter(([, v]) => v).map(([n]) => n);
    const common = new URLSearchParams({ kinds: $('routine').checked ? 'all' : 'default' });
    if (on.length < state.nationOn.size) common.set('nation', on.length ? on.join(',') : '-');
    const key = `${win}|${common}`;
    const l = state.loaded;
    if (!force && l && l.key === key) {
      // Still well inside what is shown? (Where a side was cut short, its last event bounds it.)
      const lo = l.beforeCut ? l.firstTick : l.from;
      const hi = l.afterCut ? l.lastTick : l.to;
      const m = Math.floor(Math.min(half, hi - lo) / 4);
      const lowOk = (l.from === 0 && !l.beforeCut) || now >= lo + m;
      const highOk = (l.to >= ticks && !l.afterCut) || now <= hi - m;
      if (lowOk && highOk) return;
    }
    const query = (extra) => {
      const p = new URLSearchParams(common);
      for (const [k, v] of Object.entries(extra)) p.set(k, v);
      return getJson('/api/events?' + p);
    };
    state.fetching = true;
    try {
      const none = { events: [], count: 0, truncated: false };
      const [before, after] = await Promise.all([
        now > from ? query({ from_tick: from, to_tick: now - 1, limit: BEFORE, last: 1 }) : none,
        query({ from_tick: now, to_tick: to, limit: AFTER }),
      ]);
      state.events = before.events.concat(after.events);
      const ev = state.events;
      state.loaded = {
        from,
        to,
        key,
        beforeCut: before.truncated,
        afterCut: after.truncated,
        firstTick: ev.length ? ev[0].tick : from,
        lastTick: ev.length ? ev[ev.length - 1].tick : to,
      };
      renderEvents();
    } finally {
      state.fetching = false;
      if (state.pendingForce) {
        state.pendingForce = false;
        refreshEvents(true);
      }
    }
  }

  function markCurrent() {
    const now = tickOf(viewer.clock.currentTime);
    if (now === state.nowTick) return;
    state.nowTick = now;
    let current = -1;
    const items = $('events').children;
    for (let i = 0; i < items.length; i++) {
      const future = state.events[i].tick > now;
      items[i].classList.toggle('future', future);
      items[i].classList.remove('current');
      if (!future) current = i;
    }
    if (current >= 0) {
      items[current].classList.add('current');
      if ($('follow').checked && !$('events').matches(':hover')) {
        items[current].scrollIntoView({ block: 'center' });
      }
    }
  }

  function jumpTo(ev) {
    viewer.clock.shouldAnimate = false;
    viewer.clock.currentTime = Cesium.JulianDate.fromIso8601(ev.time);
    const id = ev.object !== undefined ? `sat/${ev.object}` : ev.sensor ? `sensor/${ev.sensor}` : undefined;
    const e = id && state.ds.entities.getById(id);
    if (e) viewer.selectedEntity = e;
    markCurrent();
  }

  function samplePixels() {
    // Called from postRender: the drawing buffer still holds the frame just drawn.
    const src = viewer.scene.canvas;
    const w = 96;
    const h = Math.max(1, Math.round((w * src.height) / src.width));
    const c = document.createElement('canvas');
    c.width = w;
    c.height = h;
    const g = c.getContext('2d', { willReadFrequently: true });
    g.drawImage(src, 0, 0, w, h);
    const d = g.getImageData(0, 0, w, h).data;
    let nonBlack = 0;
    const colors = new Set();
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] + d[i + 1] + d[i + 2] > 40) nonBlack++;
      colors.add(((d[i] >> 4) << 8) | ((d[i + 1] >> 4) << 4) | (d[i + 2] >> 4));
    }
    return { width: w, height: h, nonBlack, distinctColors: colors.size };
  }

  function whenDrawn(timeoutMs) {
    return new Promise((resolve) => {
      const t0 = performance.now();
      let good = 0;
      const remove = viewer.scene.postRender.addEventListener(() => {
        const ok = viewer.dataSourceDisplay.ready && viewer.scene.globe.tilesLoaded;
        good = ok ? good + 1 : 0;
        if (good >= 3 || performance.now() - t0 > timeoutMs) {
          remove();
          resolve({
            tilesLoaded: viewer.scene.globe.tilesLoaded,
            dataSourcesReady: viewer.dataSourceDisplay.ready,
            pixels: samplePixels(),
          });
        }
      });
      viewer.scene.requestRender();
    });
  }

  function initialCamera() {
    // Look at the sensors' side of the Earth, from far enough to see the GEO belt's arc.
    const sum = new Cesium.Cartesian3();
    let n = 0;
    for (const e of state.ds.entities.values) {
      if (kindOf(e) !== 'sensor' || !e.position) continue;
      const p = e.position.getValue(viewer.clock.currentTime);
      if (!p) continue;
      Cesium.Cartesian3.add(sum, Cesium.Cartesian3.normalize(p, new Cesium.Cartesian3()), sum);
      n++;
    }
    let lon = 180;
    let lat = 20;
    if (n > 0 && Cesium.Cartesian3.magnitude(sum) > 1e-6) {
      const c = Cesium.Cartographic.fromCartesian(Cesium.Cartesian3.multiplyByScalar(sum, 6.4e6 / Cesium.Cartesian3.magnitude(sum), sum));
      if (c) {
        lon = Cesium.Math.toDegrees(c.longitude);
        lat = Cesium.Math.clamp(Cesium.Math.toDegrees(c.latitude), -30, 30);
      }
    }
    viewer.camera.setView({ destination: Cesium.Cartesian3.fromDegrees(lon, lat, 6.5e7) });
  }

  async function main() {
    const meta = await getJson('/api/meta');
    state.meta = meta;
    state.epoch = Cesium.JulianDate.fromIso8601(meta.epoch);
    document.title = `Sentinel: ${meta.scenario}`;
    $('title').textContent = meta.scenario;
    $('subtitle').textContent =
      `seed ${meta.seed} · ${meta.ticks} ticks of ${meta.tick_s} s · ${meta.objects} objects · ${meta.sensors} sensors` +
      (meta.view ? ` · ${meta.view}'s view` : '');

    await waitForCzml();
    const ds = await Cesium.CzmlDataSource.load('/api/run.czml');
    state.ds = ds;
    await viewer.dataSources.add(ds);
    viewer.clockTrackedDataSource = ds;

    const start = julianOfTick(0);
    const stop = julianOfTick(meta.ticks);
    const clock = viewer.clock;
    if (!ds.clock) {
      clock.startTime = start;
      clock.stopTime = stop;
      clock.clockRange = Cesium.ClockRange.CLAMPED;
      clock.multiplier = 60;
    }
    viewer.timeline.zoomTo(clock.startTime, clock.stopTime);
    const q = new URLSearchParams(location.search);
    if (q.has('tick')) {
      clock.currentTime = julianOfTick(Number(q.get('tick')));
      clock.shouldAnimate = false;
    } else {
      clock.currentTime = clock.startTime.clone();
      clock.shouldAnimate = true;
    }

    const counts = { satellite: 0, sensor: 0, detection: 0 };
    for (const e of ds.entities.values) {
      const k = kindOf(e);
      if (k in counts) counts[k]++;
    }
    buildFilters(counts);
    applyFilters();
    initialCamera();

    $('events').addEventListener('click', (e) => {
      const li = e.target.closest('li');
      if (li) jumpTo(state.events[Number(li.dataset.i)]);
    });
    let last = 0;
    clock.onTick.addEventListener(() => {
      const t = performance.now();
      if (t - last < 250) return;
      last = t;
      markCurrent();
      refreshEvents(false);
    });

    await refreshEvents(true);
    while (state.fetching || !state.loaded) await new Promise((r) => setTimeout(r, 50));
    const drawn = await whenDrawn(45000);
    const now = clock.currentTime;
    const visible = { satellite: 0, sensor: 0, detection: 0 };
    for (const e of ds.entities.values) {
      const k = kindOf(e);
      if (k in visible && e.isShowing && e.isAvailable(now)) visible[k]++;
    }
    window.sentinelReady = {
      satellites: counts.satellite,
      sensors: counts.sensor,
      detections: counts.detection,
      entities: ds.entities.values.length,
      visibleNow: visible,
      events: state.events.length,
      nations: [...state.nationOn.keys()],
      tick: tickOf(now),
      ...drawn,
    };
    const b = document.body.dataset;
    b.satellites = counts.satellite;
    b.sensors = counts.sensor;
    b.detections = counts.detection;
    b.events = state.events.length;
    b.sentinelReady = 'true';
  }

  main().catch(fail);
})();
