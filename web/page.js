// The page: forms for the commands, their JSON shown. Every number comes from llmfit's C++ library compiled to
// WebAssembly (web/page_api.cpp runs the command exactly as `llmfit serve` does); this script only turns form
// inputs into the command's options (a query string, the same names as the command line) and the JSON document
// into text. Each figure carries data-field (its path in the document) and data-value (the raw value), which
// the browser tests compare with `llmfit … --format json`.
'use strict';

(function () {
  // ---------------------------------------------------------------------------------------------------------
  // The views: which command each runs, with which inputs (option names as on the command line).

  const hw = { key: 'hw', label: 'Hardware', type: 'text', list: 'hardware-ids', help: 'id, or id:count for cards in one box' };
  const model = { key: 'model', label: 'Model', type: 'text', list: 'model-ids', help: 'id with quantisation, e.g. qwen3-coder-q4' };
  const context = { key: 'context', label: 'Context (tokens)', type: 'range', min: 512, max: 262144, step: 512, scale: 'log2', help: 'default 8192 or the model\u2019s maximum' };
  // Choices come from the library (the enums' names through the command's options, the catalogue's ids).
  const kvType = { key: 'kv-type', label: 'KV cache type', type: 'select', choicesFrom: 'option' };
  const backend = { key: 'backend', label: 'Engine', type: 'select', choicesFrom: 'option' };
  const promptTokens = { key: 'prompt-tokens', label: 'Prompt (tokens)', type: 'number', min: 1, step: 1, help: 'default 512' };
  const batch = { key: 'batch', label: 'Concurrent sequences', type: 'number', min: 1, max: 4096, step: 1, help: 'default 1' };
  const memory = { key: 'memory', label: 'Memory (GiB)', type: 'number', min: 1, step: 1, help: 'default: the catalogue\u2019s' };

  const VIEWS = [
    {
      id: 'predict', command: 'predict', title: 'Will it fit, how fast?',
      about: 'The answer card: memory breakdown, decode and prefill speed, time to first token, speed over context lengths, sustained speed.',
      fields: [hw, model, context, kvType, batch, promptTokens, backend, memory, { key: 'no-offload', label: 'No CPU offload', type: 'flag' }],
      defaults: 'hw=m2-max&model=qwen3-coder-q4',
      summary: [['fit.verdict', 'Verdict'], ['decode_tok_s', 'Decode'], ['decode_range_tok_s', 'Calibrated range'], ['prefill_tok_s', 'Prefill'],
        ['ttft_s', 'First token'], ['sustained_decode_tok_s', 'Sustained'], ['decode_ceiling_tok_s', 'Bandwidth ceiling'],
        ['fit.total_gb', 'Memory needed'], ['fit.available_gb', 'Usable memory'], ['fit.max_context', 'Largest context that fits']],
      memory: 'fit', table: { path: 'context_scaling', columns: ['context', 'decode_tok_s', 'ttft_s', 'verdict'], bar: 'decode_tok_s', caption: 'Decode speed and time to first token over context lengths' },
    },
    {
      id: 'projector', command: 'predict', title: 'Bandwidth projector',
      about: 'Decode streams every active weight byte once per token: move the chip\u2019s bandwidth, the weight bytes (quantisation) and the share of bandwidth reached, against the physical ceiling.',
      fields: [hw, model, { key: 'bandwidth-gb-s', label: 'Peak bandwidth (GB/s)', type: 'range', min: 50, max: 8000, step: 10, scale: 'log10', from: 'hardware.bandwidth_gb_s' },
        { key: 'quant-slider', label: 'Weight bytes (quantisation)', type: 'quant' },
        { key: 'weight-bandwidth-efficiency', label: 'Share of bandwidth reached', type: 'range', min: 0.05, max: 1.0, step: 0.01, from: 'efficiency.weight_bandwidth_efficiency' }],
      defaults: 'hw=m2-max&model=qwen3-coder-q4',
      summary: [['decode_tok_s', 'Decode'], ['decode_ceiling_tok_s', 'Physical ceiling'], ['hardware.bandwidth_gb_s', 'Bandwidth'],
        ['bytes_per_token_gb', 'Bytes per token'], ['fit.weights_gb', 'Weights'], ['efficiency.weight_bandwidth_efficiency', 'Bandwidth reached'], ['fit.verdict', 'Verdict']],
      gauge: ['decode_tok_s', 'decode_ceiling_tok_s'],
    },
    {
      id: 'compare', command: 'compare', title: 'Compare hardware',
      about: 'One model on every machine, ranked; the shipped measured runs of the same model and quantisation are listed beside the predictions.',
      fields: [model, { key: 'hw', label: 'Hardware (a,b,c)', type: 'text', list: 'hardware-ids', help: 'or tick All' }, { key: 'all', label: 'All hardware', type: 'flag' },
        { key: 'vendor', label: 'Vendor', type: 'select', choicesFrom: 'vendors' },
        { key: 'kind', label: 'Kind', type: 'select', choicesFrom: 'option' }, context, { key: 'top', label: 'Top', type: 'number', min: 1, step: 1 }],
      defaults: 'model=llama-3-8b-q4&all',
      table: { path: '', columns: ['rank', 'label', 'verdict', 'decode_tok_s', 'ttft_s', 'headroom_gb', 'price_usd', 'tok_s_per_usd'], measured: true, caption: 'Machines ranked for this model' },
      chart: true,
    },
    {
      id: 'fit', command: 'fit', title: 'What fits on this machine',
      about: 'Every model in the catalogue on one machine: the best quantisation that fits, its speed and the context left.',
      fields: [hw, { key: 'min-tok-s', label: 'At least (tok/s)', type: 'number', min: 0, step: 1 }, context,
        { key: 'sort', label: 'Order', type: 'select', choicesFrom: 'option' }, { key: 'top', label: 'Top', type: 'number', min: 1, step: 1 }, memory],
      defaults: 'hw=rtx-4090',
      table: { path: '', columns: ['model_name', 'quant', 'decode_tok_s', 'total_gb', 'max_context', 'quality_ppl_increase_pct'], caption: 'Models that fit' },
      chart: true,
    },
    {
      id: 'scale', command: 'scale', title: 'Context scaling',
      about: 'Decode speed and time to first token as the context grows, until it no longer fits.',
      fields: [hw, model, kvType, promptTokens, memory],
      defaults: 'hw=m2-max&model=qwen3-coder-q4',
      table: { path: 'context_scaling', columns: ['context', 'decode_tok_s', 'ttft_s', 'verdict'], bar: 'decode_tok_s', caption: 'Speed over context lengths' },
      chart: true,
    },
    {
      id: 'users', command: 'scale', fixed: 'batch-sweep', title: 'Concurrent users',
      about: 'Per-user and total decode speed as more sequences share the machine, until it is compute-bound or out of memory.',
      fields: [hw, model, context, { key: 'max-batch', label: 'Largest batch', type: 'number', min: 1, max: 4096, step: 1 }],
      defaults: 'hw=rtx-4090&model=llama-3.1-8b-q4',
      summary: [['largest_batch_that_fits', 'Largest batch that fits'], ['compute_bound_batch', 'Compute-bound from']],
      table: { path: 'batch_sweep', columns: ['batch', 'per_sequence_tok_s', 'aggregate_tok_s', 'total_gb', 'fits', 'compute_bound'], caption: 'Speed per user and in total' },
      chart: true,
    },
    {
      id: 'cluster', command: 'cluster', title: 'Cluster pooling',
      about: 'One model split across separate machines (exo-style pipeline, and tensor parallel): add machines, pick the link.',
      fields: [{ key: 'hw', label: 'Machines', type: 'nodes' }, model,
        { key: 'link', label: 'Link', type: 'select', choicesFrom: 'links' }, context],
      defaults: 'hw=m4-pro:4@64&model=llama-3.3-70b-q4',
      summary: [['decode_tok_s', 'Decode (pipeline)'], ['fits', 'Fits'], ['total_memory_gb', 'Pooled memory'], ['required_gb', 'Needed'],
        ['machines', 'Machines'], ['link.name', 'Link'], ['tensor_parallel.decode_tok_s', 'Decode (tensor parallel)']],
      table: { path: 'stages', columns: ['node', 'hardware', 'layers', 'weights_gb', 'required_gb', 'available_gb', 'fits'], caption: 'Layers per machine' },
      chart: true,
    },
    {
      id: 'cost', command: 'cost', title: 'Cost against a cloud API',
      about: 'Local hardware amortised over its life at a utilisation, with electricity, against an API\u2019s price per million tokens: where is the break-even?',
      fields: [hw, model, { key: 'years', label: 'Years', type: 'number', min: 0.1, step: 0.5 }, { key: 'utilization', label: 'Utilisation', type: 'range', min: 0.01, max: 1, step: 0.01 },
        { key: 'power-price', label: 'Electricity (USD/kWh)', type: 'number', min: 0, step: 0.01 }, { key: 'api-price-per-mtok', label: 'API price (USD per Mtok)', type: 'number', min: 0, step: 0.1 },
        { key: 'price-usd', label: 'Hardware price (USD)', type: 'number', min: 1, step: 1 }, { key: 'watts', label: 'Power (W)', type: 'number', min: 1, step: 1 }],
      defaults: 'hw=m4-max-40c&model=qwen3-coder-q4',
      summary: [['usd_per_mtok', 'Local cost per Mtok'], ['api_usd_per_mtok', 'API price per Mtok'], ['breakeven_months', 'Break-even'],
        ['breakeven_within_life', 'Within its life'], ['tokens_per_month', 'Tokens per month'], ['decode_tok_s', 'Decode'], ['price_usd', 'Hardware price']],
      chart: true,
    },
    {
      id: 'recommend', command: 'recommend', title: 'What to buy',
      about: 'Four questions: budget, team size, model size, portability.',
      fields: [{ key: 'budget', label: 'Budget (USD)', type: 'number', min: 1, step: 100 }, { key: 'users', label: 'People at once', type: 'number', min: 1, step: 1 },
        { key: 'model-size', label: 'Model size', type: 'text', help: 'billions of parameters: 8b, 30b, 70b \u2026' },
        { key: 'portable', label: 'Laptops only', type: 'flag' }, { key: 'model', label: 'Or a model', type: 'text', list: 'model-ids' }],
      defaults: 'budget=4000&users=3&model-size=30b',
      table: { path: '', columns: ['rank', 'name', 'price_usd', 'per_user_decode_tok_s', 'verdict', 'meets_all', 'reasons'], caption: 'Shortlist' },
      chart: true,
    },
    {
      id: 'check', command: 'check', title: 'Claim check',
      about: 'Someone says a machine runs a model at some speed: is it physically possible?',
      fields: [hw, model, { key: 'claimed-tok-s', label: 'Claimed decode (tok/s)', type: 'number', min: 0, step: 1 }],
      defaults: 'hw=m1&model=qwen2-1.5b-q4&claimed-tok-s=200',
      summary: [['verdict', 'Verdict'], ['possible', 'Possible'], ['claimed_tok_s', 'Claimed'], ['ceiling_tok_s', 'Physical ceiling'],
        ['predicted_tok_s', 'Predicted'], ['fraction_of_ceiling', 'Share of the ceiling'], ['bound', 'Bound by']],
      chart: true,
    },
  ];
  const KEYS_CARRIED = ['hw', 'model', 'context', 'kv-type', 'prompt-tokens', 'memory'];  // kept when the view changes

  // ---------------------------------------------------------------------------------------------------------
  // Formatting: text for people; the raw value stays in data-value.

  const sig3 = new Intl.NumberFormat('en', { maximumSignificantDigits: 3 });
  const whole = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
  function duration(seconds) {
    if (seconds < 1) return sig3.format(seconds * 1000) + ' ms';
    if (seconds < 120) return sig3.format(seconds) + ' s';
    if (seconds < 7200) return sig3.format(seconds / 60) + ' min';
    return sig3.format(seconds / 3600) + ' h';
  }
  function formatNumber(key, value) {
    const k = key.toLowerCase();
    if (/bandwidth_gb_s$/.test(k)) return sig3.format(value) + ' GB/s';
    if (/tok_s/.test(k)) return sig3.format(value) + ' tok/s';
    if (/_gb$/.test(k)) return sig3.format(value) + ' GB';
    if (/_gib$/.test(k)) return sig3.format(value) + ' GiB';
    if (/usd_per_mtok$/.test(k)) return '$' + sig3.format(value);
    if (/usd/.test(k)) return '$' + whole.format(value);
    if (/_us$/.test(k)) return sig3.format(value) + ' \u00b5s';
    if (/(^|_)s$|seconds/.test(k)) return duration(value);
    if (/_w$/.test(k)) return whole.format(value) + ' W';
    if (/_pct$/.test(k)) return sig3.format(value) + ' %';
    if (/(efficiency|fraction|utilization)/.test(k)) return sig3.format(value * 100) + ' %';
    if (/months$/.test(k)) return sig3.format(value) + ' months';
    if (Number.isInteger(value)) return whole.format(value);
    return sig3.format(value);
  }
  // Column headings: a few keys read better in words; any other key is shown as it is, underscores as spaces.
  const HEADINGS = { decode_tok_s: 'decode', prefill_tok_s: 'prefill', ttft_s: 'first token', label: 'hardware',
    headroom_gb: 'headroom', total_gb: 'memory needed', price_usd: 'price', tok_s_per_usd: 'tok/s per $',
    per_sequence_tok_s: 'per user', aggregate_tok_s: 'all users', per_user_decode_tok_s: 'per user',
    quality_ppl_increase_pct: 'perplexity cost', max_context: 'largest context', model_name: 'model' };
  function humanize(key) {
    return HEADINGS[key] || String(key).replace(/_/g, ' ').replace(/\btok s\b/, 'tok/s').replace(/\bgb\b/, 'GB');
  }
  const VERDICT_WORDS = { fits: 'Fits', partial_offload: 'Fits with CPU offload', does_not_fit: 'Does not fit' };

  // The element showing one value of the document at `path`.
  function valueElement(path, key, value) {
    const span = document.createElement('span');
    span.className = 'value';
    span.dataset.field = path;
    span.dataset.value = value === null ? 'null' : typeof value === 'string' ? value : JSON.stringify(value);
    if (value === null) span.textContent = '\u2013';
    else if (typeof value === 'boolean') span.textContent = value ? 'yes' : 'no';
    else if (typeof value === 'number') span.textContent = formatNumber(key, value);
    else span.textContent = VERDICT_WORDS[value] || value;
    if (typeof value === 'string' && /^https?:\/\//.test(value)) {
      const a = document.createElement('a');
      a.href = value; a.textContent = value; a.rel = 'noopener';
      span.textContent = ''; span.appendChild(a);
    }
    return span;
  }

  function get(document_, path) {
    if (path === '') return document_;
    let node = document_;
    for (const part of path.split('.')) {
      if (node === null || typeof node !== 'object' || !(part in node)) return undefined;
      node = node[part];
    }
    return node;
  }
  const join = (path, key) => (path === '' ? String(key) : path + '.' + key);
  const lastKey = (path) => path.split('.').filter((p) => !/^\d+$/.test(p)).pop() || path;

  // Any JSON value as elements: objects as definition lists, arrays of objects as tables, the rest as values.
  function renderAny(path, key, value, depth) {
    if (value === null || typeof value !== 'object') return valueElement(path, key, value);
    if (Array.isArray(value)) {
      if (value.length > 0 && value.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v))) {
        const columns = [];
        for (const row of value) for (const k of Object.keys(row)) if (!columns.includes(k)) columns.push(k);
        return table(path, value, columns, humanize(key), depth);
      }
      const list = document.createElement('span');
      value.forEach((item, i) => {
        if (i > 0) list.appendChild(document.createTextNode(', '));
        list.appendChild(renderAny(join(path, i), key, item, depth + 1));
      });
      if (value.length === 0) list.textContent = 'none';
      return list;
    }
    const dl = document.createElement('dl');
    dl.className = 'fields';
    for (const [k, v] of Object.entries(value)) {
      const dt = document.createElement('dt');
      dt.textContent = humanize(k);
      const dd = document.createElement('dd');
      dd.appendChild(renderAny(join(path, k), k, v, depth + 1));
      dl.append(dt, dd);
    }
    return dl;
  }

  function table(path, rows, columns, caption, depth, options) {
    const wrap = document.createElement('div');
    wrap.className = 'table-wrap';
    wrap.tabIndex = 0;
    wrap.setAttribute('role', 'region');
    wrap.setAttribute('aria-label', caption);
    const t = document.createElement('table');
    const cap = document.createElement('caption');
    cap.textContent = caption;
    t.appendChild(cap);
    const head = t.createTHead().insertRow();
    for (const c of columns) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = humanize(c);
      head.appendChild(th);
    }
    if (options && options.measured) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = 'measured decode (shipped runs)';
      head.appendChild(th);
    }
    const barMax = options && options.bar ? Math.max(0, ...rows.map((r) => (typeof r[options.bar] === 'number' ? r[options.bar] : 0))) : 0;
    const body = t.createTBody();
    rows.forEach((row, i) => {
      const tr = body.insertRow();
      for (const c of columns) {
        const td = tr.insertCell();
        if (!(c in row)) continue;
        const v = row[c];
        if (v !== null && typeof v === 'object' && depth > 2) {
          td.textContent = '\u2026';
          continue;
        }
        td.appendChild(renderAny(join(join(path, i), c), c, v, depth + 1));
        if (options && c === options.bar && typeof v === 'number' && barMax > 0) {
          const bar = document.createElement('span');
          bar.className = 'bar';
          bar.style.width = (100 * v / barMax).toFixed(1) + '%';
          bar.setAttribute('aria-hidden', 'true');
          td.appendChild(bar);
        }
      }
      if (options && options.measured) tr.insertCell().appendChild(measuredFor(row));
    });
    wrap.appendChild(t);
    return wrap;
  }

  // ---------------------------------------------------------------------------------------------------------
  // The shipped measured runs (examples/runs, decode only), matched to a compare row by catalogue ids.

  let measuredRuns = [];
  function measuredFor(row) {
    const span = document.createElement('span');
    const matches = measuredRuns.filter((r) => {
      const label = r.devices > 1 ? r.hardware + ':' + r.devices : r.hardware;
      return label === row.label && r.quant === row.quant && (row.model === r.model || String(row.model).startsWith(r.model));
    });
    if (matches.length === 0) { span.textContent = '\u2013'; return span; }
    matches.slice(0, 4).forEach((r, i) => {
      if (i > 0) span.appendChild(document.createTextNode('; '));
      const a = document.createElement('a');
      a.href = r.source.split(' ')[0];
      a.rel = 'noopener';
      a.className = 'measured';
      a.textContent = sig3.format(r.decode_tok_s) + ' tok/s (' + r.backend + (r.n_depth ? ', depth ' + r.n_depth : '') + ')';
      span.appendChild(a);
    });
    if (matches.length > 4) span.appendChild(document.createTextNode(' and ' + (matches.length - 4) + ' more'));
    return span;
  }

  // ---------------------------------------------------------------------------------------------------------
  // The library.

  let llmfit = null;
  const catalogue = { hardware: [], models: [], quants: [], links: [], vendors: [] };
  const optionCache = new Map();
  function optionsOf(command) {
    if (!optionCache.has(command))
      optionCache.set(command, JSON.parse(llmfit.ccall('llmfit_options', 'string', ['string'], [command])));
    return optionCache.get(command);
  }
  function choicesOf(field) {
    if (field.choicesFrom === 'option') {
      const option = optionsOf(state.view.command).find((o) => o.name === field.key);
      return option ? option.choices : [];
    }
    if (field.choicesFrom === 'vendors') return catalogue.vendors;
    return catalogue[field.choicesFrom].map((entry) => entry.id);
  }
  function run(command, query) {
    const answer = JSON.parse(llmfit.ccall('llmfit_run', 'string', ['string', 'string'], [command, query]));
    if (answer.status === 0 && answer.json) answer.parsed = JSON.parse(answer.document);
    return answer;
  }

  // ---------------------------------------------------------------------------------------------------------
  // State: the view and its options, mirrored in the address (?view=compare&model=…).

  const state = { view: VIEWS[0], params: new URLSearchParams() };
  const $ = (id) => document.getElementById(id);

  function viewFromAddress(search) {
    const params = new URLSearchParams(search);
    let id = params.get('view') || 'predict';
    params.delete('view');
    // The command line's --url names the command: its page-only views follow from their options.
    if (id === 'predict' && (params.has('bandwidth-gb-s') || params.has('weight-bandwidth-efficiency'))) id = 'projector';
    if (id === 'scale' && params.has('batch-sweep')) id = 'users';
    const view = VIEWS.find((v) => v.id === id) || VIEWS[0];
    if (view.fixed) params.delete(view.fixed);
    return { view, params };
  }

  function commandQuery() {
    const params = new URLSearchParams(state.params);
    if (state.view.fixed) params.set(state.view.fixed, '');
    return params.toString();
  }

  function address() {
    const params = new URLSearchParams();
    if (state.view.id !== 'predict') params.set('view', state.view.id);
    for (const [k, v] of state.params) params.append(k, v);
    return '?' + params.toString().replace(/=(&|$)/g, '$1');
  }

  function commandLine() {
    const words = ['llmfit'];
    if (state.view.command !== 'predict') words.push(state.view.command);
    const params = new URLSearchParams(commandQuery());
    for (const [k, v] of params) {
      words.push('--' + k);
      if (v !== '') words.push(/^[\w.,:@\/-]+$/.test(v) ? v : "'" + v.replace(/'/g, "'\\''") + "'");
    }
    return words.join(' ');
  }

  // ---------------------------------------------------------------------------------------------------------
  // Forms.

  function sliderToValue(field, position) {
    if (field.scale === 'log2' || field.scale === 'log10') {
      const lo = Math.log(field.min), hi = Math.log(field.max);
      const v = Math.exp(lo + (hi - lo) * position / 1000);
      return field.step >= 1 ? Math.max(field.min, Math.round(v / field.step) * field.step) : Number(v.toPrecision(3));
    }
    const v = field.min + (field.max - field.min) * position / 1000;
    return Number((Math.round(v / field.step) * field.step).toPrecision(6));
  }
  function valueToSlider(field, value) {
    if (field.scale === 'log2' || field.scale === 'log10') {
      const lo = Math.log(field.min), hi = Math.log(field.max);
      return Math.round(1000 * (Math.log(Math.min(Math.max(value, field.min), field.max)) - lo) / (hi - lo));
    }
    return Math.round(1000 * (value - field.min) / (field.max - field.min));
  }

  function labelled(field, control, extra) {
    const box = document.createElement('div');
    box.className = 'field field-' + field.type;
    const label = document.createElement('label');
    label.htmlFor = control.id;
    label.textContent = field.label;
    box.appendChild(label);
    if (extra) box.appendChild(extra); else box.appendChild(control);
    if (field.help) {
      const help = document.createElement('span');
      help.className = 'help';
      help.id = control.id + '-help';
      help.textContent = field.help;
      control.setAttribute('aria-describedby', help.id);
      box.appendChild(help);
    }
    return box;
  }

  function setParam(key, value) {
    if (value === null || value === undefined || value === '') state.params.delete(key);
    else state.params.set(key, value);
  }

  let lastDocument = null;
  function buildForm() {
    const form = $('inputs');
    form.textContent = '';
    for (const field of state.view.fields) {
      const id = 'in-' + state.view.id + '-' + field.key;
      if (field.type === 'flag') {
        const box = document.createElement('div');
        box.className = 'field field-flag';
        const input = document.createElement('input');
        input.type = 'checkbox';
        input.id = id;
        input.name = field.key;
        input.checked = state.params.has(field.key);
        input.addEventListener('change', () => {
          if (input.checked) state.params.set(field.key, ''); else state.params.delete(field.key);
          update();
        });
        const label = document.createElement('label');
        label.htmlFor = id;
        label.textContent = field.label;
        box.append(input, label);
        form.appendChild(box);
      } else if (field.type === 'select') {
        const select = document.createElement('select');
        select.id = id;
        select.name = field.key;
        const choices = [''].concat(choicesOf(field));
        for (const choice of choices) {
          const option = document.createElement('option');
          option.value = choice;
          option.textContent = choice === '' ? 'default' : choice;
          select.appendChild(option);
        }
        const current = state.params.get(field.key) || '';
        if (!choices.includes(current)) {
          const option = document.createElement('option');
          option.value = current; option.textContent = current;
          select.appendChild(option);
        }
        select.value = current;
        select.addEventListener('change', () => { setParam(field.key, select.value); update(); });
        form.appendChild(labelled(field, select));
      } else if (field.type === 'range') {
        form.appendChild(rangeField(field, id));
      } else if (field.type === 'quant') {
        form.appendChild(quantField(field, id));
      } else if (field.type === 'nodes') {
        form.appendChild(nodesField(field, id));
      } else {
        const input = document.createElement('input');
        input.id = id;
        input.name = field.key;
        input.type = field.type === 'number' ? 'number' : 'text';
        if (field.type === 'number') {
          input.inputMode = 'decimal';
          for (const a of ['min', 'max', 'step']) if (field[a] !== undefined) input[a] = field[a];
        } else {
          input.autocomplete = 'off';
          input.spellcheck = false;
          if (field.list) input.setAttribute('list', field.list);
        }
        input.value = state.params.get(field.key) || '';
        input.addEventListener('input', () => { setParam(field.key, input.value.trim()); update(); });
        form.appendChild(labelled(field, input));
      }
    }
  }

  // A slider with a number beside it; not given (the command's default) until moved or typed.
  function rangeField(field, id) {
    const slider = document.createElement('input');
    slider.type = 'range';
    slider.id = id;
    slider.min = 0; slider.max = 1000; slider.step = 1;
    const number = document.createElement('input');
    number.type = 'number';
    number.id = id + '-value';
    number.inputMode = 'decimal';
    number.min = field.min; number.max = field.max; number.step = field.step;
    number.setAttribute('aria-label', field.label + ', value');
    const reset = document.createElement('button');
    reset.type = 'button';
    reset.className = 'reset';
    reset.textContent = 'default';
    reset.setAttribute('aria-label', field.label + ': back to the default');
    const given = state.params.get(field.key);
    const show = (value) => {
      slider.value = valueToSlider(field, value);
      number.value = value;
      slider.setAttribute('aria-valuetext', String(value));
    };
    if (given !== null) show(Number(given));
    else {
      const shown = field.from && lastDocument ? get(lastDocument, field.from) : undefined;
      show(typeof shown === 'number' ? Number(shown.toPrecision(4)) : sliderToValue(field, 500));
      number.placeholder = 'default';
      number.value = '';
      number.classList.add('unset');
    }
    slider.addEventListener('input', () => {
      const value = sliderToValue(field, Number(slider.value));
      number.value = value;
      number.classList.remove('unset');
      slider.setAttribute('aria-valuetext', String(value));
      setParam(field.key, String(value));
      update();
    });
    number.addEventListener('input', () => {
      if (number.value === '') { setParam(field.key, ''); update(); return; }
      slider.value = valueToSlider(field, Number(number.value));
      number.classList.remove('unset');
      setParam(field.key, number.value);
      update();
    });
    reset.addEventListener('click', () => { setParam(field.key, ''); buildFormSoon = true; update(); });
    const row = document.createElement('div');
    row.className = 'range-row';
    row.append(slider, number, reset);
    return labelled(field, slider, row);
  }

  // The weight bytes of the projector: the quantisations of the catalogue, ordered by bits per weight.
  function splitModel(text) {
    const lower = (text || '').toLowerCase();
    let best = null;
    for (const q of catalogue.quants) {
      for (const name of [q.id].concat(q.short_forms || [])) {
        const suffix = '-' + String(name).toLowerCase();
        if (lower.endsWith(suffix) && (!best || suffix.length > best.suffix.length)) best = { suffix, quant: q.id };
      }
    }
    return best ? { base: text.slice(0, text.length - best.suffix.length), quant: best.quant } : { base: text, quant: null };
  }
  function quantField(field, id) {
    const quants = catalogue.quants.filter((q) => q.format === 'gguf').sort((a, b) => a.bits_per_weight - b.bits_per_weight);
    const slider = document.createElement('input');
    slider.type = 'range';
    slider.id = id;
    slider.min = 0; slider.max = Math.max(0, quants.length - 1); slider.step = 1;
    const note = document.createElement('output');
    note.htmlFor = id;
    note.id = id + '-note';
    const current = splitModel(state.params.get('model') || '');
    const lastQuant = lastDocument && typeof lastDocument.quant === 'string' ? lastDocument.quant : current.quant;
    const index = Math.max(0, quants.findIndex((q) => q.id === lastQuant));
    const show = (i) => {
      const q = quants[i];
      if (!q) return;
      const text = q.name + ' \u00b7 ' + sig3.format(q.bits_per_weight) + ' bits per weight';
      note.textContent = text;
      slider.setAttribute('aria-valuetext', text);
    };
    slider.value = index;
    show(index);
    slider.addEventListener('input', () => {
      const q = quants[Number(slider.value)];
      show(Number(slider.value));
      const base = splitModel(state.params.get('model') || '').base;
      setParam('model', base + '-' + q.id);
      const modelInput = $('in-' + state.view.id + '-model');
      if (modelInput) modelInput.value = state.params.get('model');
      update();
    });
    const row = document.createElement('div');
    row.className = 'range-row';
    row.append(slider, note);
    return labelled(field, slider, row);
  }

  // Cluster machines: id, how many, memory each; composed as `m4-pro:4@64,m4-max-40c` (the command line's --hw).
  function nodesField(field, id) {
    const box = document.createElement('fieldset');
    box.className = 'field field-nodes';
    const legend = document.createElement('legend');
    legend.textContent = field.label;
    box.appendChild(legend);
    const list = document.createElement('div');
    box.appendChild(list);
    const parse = (text) => (text || '').split(',').filter((s) => s !== '').map((item) => {
      const m = /^([^:@]*)(?::(\d+))?(?:@([\d.]+))?$/.exec(item.trim());
      return m ? { id: m[1], count: m[2] || '1', memory: m[3] || '' } : { id: item, count: '1', memory: '' };
    });
    let nodes = parse(state.params.get(field.key));
    if (nodes.length === 0) nodes = [{ id: 'm4-pro', count: '1', memory: '' }];
    const compose = () => nodes.filter((n) => n.id !== '').map((n) => n.id + (n.count !== '1' && n.count !== '' ? ':' + n.count : '') + (n.memory ? '@' + n.memory : '')).join(',');
    const draw = () => {
      list.textContent = '';
      nodes.forEach((node, i) => {
        const row = document.createElement('div');
        row.className = 'node-row';
        const make = (name, value, type, label, attrs) => {
          const input = document.createElement('input');
          input.type = type;
          input.id = id + '-' + i + '-' + name;
          input.value = value;
          input.setAttribute('aria-label', label + ', machine ' + (i + 1));
          for (const [k, v] of Object.entries(attrs || {})) input.setAttribute(k, v);
          input.addEventListener('input', () => { node[name] = input.value.trim(); setParam(field.key, compose()); update(); });
          return input;
        };
        const remove = document.createElement('button');
        remove.type = 'button';
        remove.textContent = 'Remove';
        remove.setAttribute('aria-label', 'Remove machine ' + (i + 1));
        remove.disabled = nodes.length === 1;
        remove.addEventListener('click', () => { nodes.splice(i, 1); setParam(field.key, compose()); draw(); update(); });
        row.append(make('id', node.id, 'text', 'Hardware', { list: 'hardware-ids', autocomplete: 'off' }),
          make('count', node.count, 'number', 'How many', { min: 1, max: 64, step: 1 }),
          make('memory', node.memory, 'number', 'Memory each (GiB)', { min: 1, step: 1, placeholder: 'GiB' }), remove);
        list.appendChild(row);
      });
    };
    const add = document.createElement('button');
    add.type = 'button';
    add.textContent = 'Add a machine';
    add.addEventListener('click', () => {
      const last = nodes[nodes.length - 1];
      nodes.push({ id: last ? last.id : 'm4-pro', count: '1', memory: last ? last.memory : '' });
      setParam(field.key, compose());
      draw();
      update();
      list.lastChild.querySelector('input').focus();
    });
    box.appendChild(add);
    draw();
    return box;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Results.

  function figure(path, label, value) {
    const box = document.createElement('div');
    box.className = 'figure';
    const name = document.createElement('span');
    name.className = 'label';
    name.textContent = label;
    box.appendChild(name);
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number')) {
      // A range: low – high.
      const range = document.createElement('span');
      range.append(valueElement(join(path, 0), lastKey(path), value[0]), document.createTextNode(' \u2013 '),
        valueElement(join(path, 1), lastKey(path), value[1]));
      box.appendChild(range);
    } else {
      box.appendChild(renderAny(path, lastKey(path), value, 3));
    }
    return box;
  }

  function memoryBar(fit) {
    const parts = [['weights_gb', 'weights'], ['kv_cache_gb', 'KV cache'], ['compute_buffer_gb', 'compute buffers'], ['runtime_overhead_gb', 'runtime']];
    if (!fit || typeof fit.available_gb !== 'number') return null;
    const total = Math.max(fit.available_gb, fit.total_gb || 0);
    const box = document.createElement('figure');
    box.className = 'memory';
    const bar = document.createElement('div');
    bar.className = 'memory-bar';
    bar.setAttribute('aria-hidden', 'true');
    const caption = document.createElement('figcaption');
    caption.textContent = 'Memory: ';
    parts.forEach(([key, name], i) => {
      if (typeof fit[key] !== 'number') return;
      const seg = document.createElement('span');
      seg.className = 'seg seg-' + i;
      seg.style.width = (100 * fit[key] / total).toFixed(2) + '%';
      seg.title = name;
      bar.appendChild(seg);
      if (caption.childNodes.length > 1) caption.appendChild(document.createTextNode(' \u00b7 '));
      caption.appendChild(document.createTextNode(name + ' '));
      caption.appendChild(valueElement('fit.' + key, key, fit[key]));
    });
    caption.appendChild(document.createTextNode(' of '));
    caption.appendChild(valueElement('fit.available_gb', 'available_gb', fit.available_gb));
    caption.appendChild(document.createTextNode(' usable'));
    box.append(bar, caption);
    return box;
  }

  function chartElement(svgText, title) {
    const parsed = new DOMParser().parseFromString(svgText, 'image/svg+xml');
    const svg = parsed.documentElement;
    if (!svg || svg.nodeName !== 'svg') return null;
    const box = document.createElement('figure');
    box.className = 'chart';
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', title + ' (chart; the same figures are in the table)');
    svg.removeAttribute('width');
    svg.removeAttribute('height');
    box.appendChild(document.importNode(svg, true));
    return box;
  }

  function render(answer) {
    const result = $('result');
    result.textContent = '';
    const view = state.view;
    $('command-line').textContent = commandLine();
    if (answer.status !== 0) {
      const alert = document.createElement('p');
      alert.className = 'error';
      alert.setAttribute('role', 'alert');
      alert.dataset.error = answer.error;
      alert.textContent = answer.error;
      result.appendChild(alert);
      $('status').textContent = 'Error: ' + answer.error;
      return;
    }
    const doc = answer.parsed;
    lastDocument = doc;
    const summary = document.createElement('div');
    summary.className = 'summary';
    const spoken = [];
    for (const [path, label] of view.summary || []) {
      const value = get(doc, path);
      if (value === undefined) continue;
      summary.appendChild(figure(path, label, value));
      if (spoken.length < 2) spoken.push(label + ' ' + summary.lastChild.querySelector('.value').textContent);
    }
    if (summary.childNodes.length > 0) result.appendChild(summary);
    if (view.gauge) {
      const [valuePath, ceilingPath] = view.gauge;
      const value = get(doc, valuePath), ceiling = get(doc, ceilingPath);
      if (typeof value === 'number' && typeof ceiling === 'number' && ceiling > 0) {
        const gauge = document.createElement('div');
        gauge.className = 'gauge';
        gauge.setAttribute('aria-hidden', 'true');
        const fill = document.createElement('span');
        fill.style.width = Math.min(100, 100 * value / ceiling).toFixed(1) + '%';
        gauge.appendChild(fill);
        result.appendChild(gauge);
      }
    }
    if (view.memory) {
      const bar = memoryBar(get(doc, view.memory));
      if (bar) result.appendChild(bar);
    }
    if (view.chart && answer.charts && answer.charts.chart) {
      const chart = chartElement(answer.charts.chart, view.title);
      if (chart) result.appendChild(chart);
    }
    if (view.table) {
      const rows = get(doc, view.table.path);
      if (Array.isArray(rows) && rows.length > 0) {
        const known = view.table.columns.filter((c) => rows.some((r) => r && c in r));
        const columns = known.length > 0 ? known : Object.keys(rows[0]).filter((k) => rows[0][k] === null || typeof rows[0][k] !== 'object');
        result.appendChild(table(view.table.path, rows, columns, view.table.caption, 1, view.table));
      }
      if (spoken.length === 0 && Array.isArray(rows)) spoken.push(rows.length + (rows.length === 1 ? ' row' : ' rows'));
      if (Array.isArray(doc) && doc.length === 0) {
        const none = document.createElement('p');
        none.textContent = 'Nothing matches.';
        result.appendChild(none);
      }
    }
    const notes = [].concat(get(doc, 'warnings') || [], get(doc, 'assumptions') || []);
    if (notes.length > 0) {
      const ul = document.createElement('ul');
      ul.className = 'notes';
      for (const [kind, list] of [['warnings', get(doc, 'warnings') || []], ['assumptions', get(doc, 'assumptions') || []]])
        list.forEach((text, i) => {
          const li = document.createElement('li');
          li.className = kind;
          li.appendChild(valueElement(kind + '.' + i, kind, text));
          ul.appendChild(li);
        });
      result.appendChild(ul);
    }
    const details = document.createElement('details');
    details.className = 'all-fields';
    const title = document.createElement('summary');
    title.textContent = 'Every field (the command\u2019s JSON)';
    details.appendChild(title);
    details.appendChild(renderAny('', view.command, doc, 0));
    result.appendChild(details);
    $('status').textContent = spoken.join('; ');
  }

  // ---------------------------------------------------------------------------------------------------------
  // Updates: each input runs the view's command at once and draws the answer (timed for bench/page_bench.py).

  // The address follows the inputs at most every ADDRESS_INTERVAL_MS: at once after a pause, else once the
  // interval has passed (the latest state). history.replaceState costs more than the command and the drawing
  // together (bench/page_bench.py), and Chromium ignores the calls after 200 in 10 s (whatwg/html#11844): a slider
  // dragged for a few seconds, one call a frame, would leave the address behind. While an update waits,
  // body[data-address-pending] is set (the browser tests wait for it to clear).
  const ADDRESS_INTERVAL_MS = 250;
  const addressTimings = [];
  window.llmfitAddressTimings = addressTimings;
  let addressUpdatedAt = -Infinity;
  let addressTimer = null;
  function updateAddress() {
    const started = performance.now();
    addressTimer = null;
    addressUpdatedAt = started;
    try { history.replaceState(null, '', address()); } catch (e) { /* some file:// contexts refuse; the page still works */ }
    delete document.body.dataset.addressPending;
    addressTimings.push(performance.now() - started);
    if (addressTimings.length > 1000) addressTimings.shift();
  }
  // Before the history moves: `write` the waiting update into the entry being left, or drop it (popstate: the
  // entry is already another).
  function settleAddress(write) {
    if (addressTimer === null) return;
    clearTimeout(addressTimer);
    if (write) updateAddress();
    else { addressTimer = null; delete document.body.dataset.addressPending; }
  }
  function updateAddressSoon() {
    if (addressTimer !== null) return;
    const wait = addressUpdatedAt + ADDRESS_INTERVAL_MS - performance.now();
    if (wait <= 0) { updateAddress(); return; }
    document.body.dataset.addressPending = 'true';
    addressTimer = setTimeout(updateAddress, wait);
  }

  // llmfitTimings: each update in ms; llmfitTimingParts: the same update's run (WebAssembly and JSON.parse),
  // draw (the answer and a rebuilt form) and address (history, when not left for later) in ms.
  let buildFormSoon = false;
  const timings = [];
  const timingParts = [];
  window.llmfitTimings = timings;
  window.llmfitTimingParts = timingParts;
  function update() {
    const started = performance.now();
    const answer = run(state.view.command, commandQuery());
    const ran = performance.now();
    render(answer);
    if (buildFormSoon) { buildFormSoon = false; buildForm(); }
    const drawn = performance.now();
    updateAddressSoon();
    const finished = performance.now();
    timings.push(finished - started);
    timingParts.push({ run: ran - started, draw: drawn - ran, address: finished - drawn });
    if (timings.length > 1000) { timings.shift(); timingParts.shift(); }
    document.body.dataset.ready = 'true';
  }

  function selectView(view, push) {
    settleAddress(true);
    const carried = new URLSearchParams();
    for (const [k, v] of state.params) if (KEYS_CARRIED.includes(k) && view.fields.some((f) => f.key === k)) carried.append(k, v);
    state.view = view;
    state.params = new URLSearchParams(view.defaults);
    for (const [k, v] of carried) state.params.set(k, v);
    lastDocument = null;
    showView(push);
  }

  function showView(push) {
    const view = state.view;
    document.title = view.title + ' \u2013 llmfit';
    $('view-title').textContent = view.title;
    $('view-about').textContent = view.about;
    for (const a of document.querySelectorAll('#views a')) {
      if (a.dataset.view === view.id) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    }
    // A slider that shows a catalogue value needs the answer first.
    if (view.fields.some((f) => f.from || f.type === 'quant')) {
      const answer = run(view.command, commandQuery());
      if (answer.status === 0) lastDocument = answer.parsed;
    }
    buildForm();
    update();
    if (push) try { history.pushState(null, '', address()); } catch (e) { /* as above */ }
  }

  function buildNavigation() {
    const ul = $('views');
    for (const view of VIEWS) {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = '?view=' + view.id;
      a.dataset.view = view.id;
      a.textContent = view.title;
      a.addEventListener('click', (event) => {
        event.preventDefault();
        selectView(view, true);
        $('view-title').focus();
      });
      li.appendChild(a);
      ul.appendChild(li);
    }
  }

  function fillLists() {
    const lists = [['hardware-ids', catalogue.hardware], ['model-ids', catalogue.models]];
    for (const [id, entries] of lists) {
      const datalist = $(id);
      for (const entry of entries) {
        const option = document.createElement('option');
        option.value = entry.id;
        option.label = entry.name || entry.id;
        datalist.appendChild(option);
      }
    }
  }

  function start() {
    const runsElement = $('measured-runs');
    measuredRuns = runsElement ? JSON.parse(runsElement.textContent) : [];
    for (const [key, command, query] of [['hardware', 'list/hardware', ''], ['models', 'list/models', ''],
      ['quants', 'list/quants', ''], ['links', 'cluster', 'list-links']]) {
      const answer = run(command, query);
      if (answer.status === 0) catalogue[key] = answer.parsed;
    }
    catalogue.vendors = [...new Set(catalogue.hardware.map((h) => h.vendor))].sort();
    fillLists();
    buildNavigation();
    const initial = viewFromAddress(location.search);
    state.view = initial.view;
    state.params = [...initial.params].length > 0 ? initial.params : new URLSearchParams(initial.view.defaults);
    showView(false);
    window.addEventListener('popstate', () => {
      settleAddress(false);
      const next = viewFromAddress(location.search);
      state.view = next.view;
      state.params = next.params;
      showView(false);
    });
  }

  window.llmfitRun = (command, query) => run(command, query);  // for the tests and the console
  createLlmfit().then((instance) => { llmfit = instance; start(); }).catch((error) => {
    $('status').textContent = 'The calculator could not start: ' + error;
  });
})();
