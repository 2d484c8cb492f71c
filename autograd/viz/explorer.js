// chaingrad's graph explorer: draws a scene made by autograd/viz/explore.py and steps through forward and
// backward, node by node. The same module is the Jupyter widget (anywidget calls render) and the saved page.
//
// Backward replays the engine's own shares: step k processes the k-th node with parents, output first; it
// sends each parent its share g·∂node/∂parent, and a parent's gradient is the sum of what it has received, added
// in the order backward adds it. So the numbers shown are the engine's, bit for bit.

const SVG = "http://www.w3.org/2000/svg";
const STYLE = `
.cg-explorer { font: 12px Helvetica, Arial, sans-serif; color: #1f2937; outline: none; max-width: 100%; }
.cg-explorer .cg-toolbar { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin-bottom: 6px; }
.cg-explorer button, .cg-explorer select, .cg-explorer input { font: inherit; padding: 3px 9px; border: 1px solid #9ca3af;
  border-radius: 4px; background: #f9fafb; color: inherit; }
.cg-explorer button:hover { background: #e5e7eb; }
.cg-explorer [data-role=counter] { min-width: 8em; font-variant-numeric: tabular-nums; }
.cg-explorer .cg-main { display: flex; flex-wrap: wrap; gap: 8px; align-items: flex-start; }
.cg-explorer svg[data-role=graph] { flex: 1 1 480px; min-width: 280px; border: 1px solid #e5e7eb; border-radius: 4px;
  background: white; cursor: grab; touch-action: none; user-select: none; }
.cg-explorer [data-role=panel] { flex: 0 1 360px; min-width: 240px; max-height: 560px; overflow: auto; margin: 0;
  padding: 8px 10px; background: #f9fafb; border: 1px solid #e5e7eb; border-radius: 4px;
  font: 12px/1.45 "DejaVu Sans Mono", Menlo, Consolas, monospace; white-space: pre-wrap; }
.cg-node rect, .cg-node ellipse { stroke: #374151; stroke-width: 1; }
.cg-node[data-kind=value] rect { fill: white; }
.cg-node.cg-leaf rect { fill: #dbeafe; }
.cg-node.cg-output rect { fill: #fef3c7; stroke-width: 2; }
.cg-node[data-kind=op] ellipse { fill: #f3f4f6; }
.cg-node text { font-size: 11px; fill: #111827; pointer-events: none; }
.cg-node .cg-pending { fill: #9ca3af; font-style: italic; }
.cg-node .cg-partial { fill: #b45309; }
.cg-node line { stroke: #9ca3af; }
.cg-edge { fill: none; stroke: #6b7280; stroke-width: 1.2; }
.cg-edge-hit { fill: none; stroke: transparent; stroke-width: 9; cursor: help; }
.cg-scope > rect { fill: #f9fafb; stroke: #9ca3af; stroke-dasharray: 3 2; rx: 8; cursor: pointer; }
.cg-scope > text { font-size: 11px; fill: #4b5563; cursor: pointer; }
.cg-scope.cg-collapsed > rect { fill: #ede9fe; stroke: #7c3aed; stroke-dasharray: none; }
.cg-current rect, .cg-current ellipse { stroke: #ea580c !important; stroke-width: 3 !important; }
.cg-receiving rect { stroke: #d97706 !important; stroke-width: 2.5 !important; }
.cg-path rect, .cg-path ellipse { stroke: #ea580c; stroke-width: 2.5; }
.cg-edge.cg-path, .cg-edge.cg-current { stroke: #ea580c; stroke-width: 2.5; }
.cg-match rect, .cg-match ellipse { fill: #fde68a !important; }
.cg-box rect { fill: #ede9fe; stroke: #7c3aed; cursor: zoom-in; }
`;

function number(x, precision) {
  // As the static pictures print it: `precision` decimals, scientific for tiny or huge values.
  if (x === null || x === undefined) return "?";
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && !(a >= 10 ** -Math.floor(precision / 2) && a < 1e6)) {
    return x.toExponential(precision).replace(/e([+-])(\d)$/, "e$10$2"); // 1.5e-06, as Python prints it
  }
  return (x + 0).toFixed(precision);
}

function el(tag, attrs = {}, parent = null, ns = null) {
  const node = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (parent) parent.appendChild(node);
  return node;
}

function pathData(edge, from, to) {
  if (!edge.spline) return `M${from.x},${from.y} L${to.x},${to.y}`;
  const p = edge.points;
  let d = `M${p[0][0]},${p[0][1]}`;
  for (let i = 1; i + 2 < p.length; i += 3) d += ` C${p[i][0]},${p[i][1]} ${p[i + 1][0]},${p[i + 1][1]} ${p[i + 2][0]},${p[i + 2][1]}`;
  const tip = p[p.length - 1];
  return d + ` L${tip[0]},${tip[1]}`;
}

class Explorer {
  constructor(root, scene) {
    this.root = root;
    this.scene = scene;
    this.precision = scene.precision;
    this.byId = new Map(scene.nodes.map((n) => [n.id, n]));
    this.mode = "backward";
    this.done = 0; // steps done in the current mode
    this.received = new Map(); // node id -> [{step, from, share, position}], in step order
    scene.backward.forEach((step, k) => {
      for (const [parent, share, position] of step.sends) {
        if (!this.received.has(parent)) this.received.set(parent, []);
        this.received.get(parent).push({ step: k, from: step.node, share, position });
      }
    });
    this.opOf = new Map(); // value id -> its op node id
    this.outOf = new Map(); // op id -> the value it makes
    this.forwardIndex = new Map(scene.forward.map((id, k) => [id, k]));
    this.inputs = new Map(); // op id -> its input edges
    this.users = new Map(); // value id -> edges into the ops that use it
    for (const edge of scene.edges) {
      if (edge.from.startsWith("op")) {
        this.opOf.set(edge.to, edge.from);
        this.outOf.set(edge.from, edge.to);
      } else {
        if (!this.inputs.has(edge.to)) this.inputs.set(edge.to, []);
        this.inputs.get(edge.to).push(edge);
        if (!this.users.has(edge.from)) this.users.set(edge.from, []);
        this.users.get(edge.from).push(edge);
      }
    }
    this.build();
    this.setMode("backward");
  }

  // --- Building the page

  build() {
    const root = this.root;
    root.classList.add("cg-explorer");
    root.tabIndex = 0;
    const bar = el("div", { class: "cg-toolbar" }, root);
    const button = (action, text, title) => {
      const b = el("button", { "data-action": action, title, type: "button" }, bar);
      b.textContent = text;
      b.addEventListener("click", () => this.act(action));
      return b;
    };
    button("reset", "Reset", "back to the start");
    button("back", "Back", "undo one step (←)");
    button("step", "Step", "one more node (→)");
    this.playButton = button("play", "Play", "step on its own (space)");
    this.modeSelect = el("select", { "data-role": "mode", title: "what the steps run through" }, bar);
    for (const mode of ["backward", "forward"]) el("option", { value: mode }, this.modeSelect).textContent = mode;
    this.modeSelect.addEventListener("change", () => this.setMode(this.modeSelect.value));
    this.counter = el("span", { "data-role": "counter" }, bar);
    button("fit", "Fit", "fit the whole graph in view");
    if (this.scene.collapsed) this.viewButton = button("view", "Expand scopes", "one box per neuron, or every node");
    this.search = el("input", { "data-role": "search", placeholder: "search labels", type: "search", size: 14 }, bar);
    this.search.addEventListener("input", () => this.find(this.search.value));
    const main = el("div", { class: "cg-main" }, root);
    this.svg = el("svg", { "data-role": "graph" }, main, SVG);
    this.panel = el("pre", { "data-role": "panel" }, main);
    const defs = el("defs", {}, this.svg, SVG);
    const marker = el("marker", { id: `cg-arrow-${Math.random().toString(36).slice(2)}`, viewBox: "0 0 10 10", refX: 9,
      refY: 5, markerWidth: 8, markerHeight: 8, markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" }, defs, SVG);
    el("path", { d: "M0,0 L10,5 L0,10 z", fill: "#6b7280" }, marker, SVG);
    this.viewport = el("g", { "data-role": "viewport" }, this.svg, SVG);
    this.drawScopes();
    this.edgeEls = this.scene.edges.map((edge) => this.drawEdge(edge, marker.id));
    this.nodeEls = new Map();
    for (const node of this.scene.nodes) this.nodeEls.set(node.id, this.drawNode(node));
    this.expandedOnly = [...this.scopeEls.values(), ...this.edgeEls.map((e) => e.path),
      ...this.viewport.querySelectorAll(".cg-edge-hit")];
    if (this.scene.collapsed) this.drawCollapsed(marker.id);
    this.enablePanZoom();
    root.addEventListener("keydown", (event) => {
      if (event.target === this.search) return;
      if (event.key === "ArrowRight") this.act("step");
      else if (event.key === "ArrowLeft") this.act("back");
      else if (event.key === " ") this.act("play");
      else return;
      event.preventDefault();
    });
    this.setView(this.scene.collapsed && this.scene.nodes.length > 300 ? "collapsed" : "expanded");
    const height = Math.min(640, Math.max(220, this.size().height + 20));
    this.svg.style.height = `${height}px`;
    const fitWhenSized = () => {
      if (this.svg.clientWidth > 0) {
        this.fit();
        root.setAttribute("data-ready", "true");
      } else requestAnimationFrame(fitWhenSized);
    };
    requestAnimationFrame(fitWhenSized);
  }

  drawScopes() {
    this.scopeEls = new Map();
    for (const scope of this.scene.scopes) {
      const g = el("g", { class: "cg-scope", "data-scope": scope.path }, this.viewport, SVG);
      el("rect", { x: scope.x - scope.w / 2, y: scope.y - scope.h / 2, width: scope.w, height: scope.h }, g, SVG);
      const label = el("text", { x: scope.x - scope.w / 2 + 6, y: scope.y - scope.h / 2 + 12 }, g, SVG);
      label.textContent = `${scope.label} ▾`;
      g.addEventListener("click", (event) => {
        event.stopPropagation();
        this.toggleScope(scope, g, label);
      });
      this.scopeEls.set(scope.path, g);
    }
  }

  drawEdge(edge, markerId) {
    const from = this.byId.get(edge.from), to = this.byId.get(edge.to);
    const d = pathData(edge.points, from, to);
    const path = el("path", { class: "cg-edge", d, "data-from": edge.from, "data-to": edge.to,
      "marker-end": `url(#${markerId})` }, this.viewport, SVG);
    if (edge.formula !== undefined) {
      const hit = el("path", { class: "cg-edge-hit", d, "data-from": edge.from, "data-to": edge.to }, this.viewport, SVG);
      const show = () => this.showEdge(edge);
      for (const target of [hit, path]) {
        target.addEventListener("mouseenter", show);
        target.addEventListener("mouseleave", () => this.showStep());
      }
    }
    return { edge, path };
  }

  drawNode(node) {
    const cls = ["cg-node", node.leaf ? "cg-leaf" : "", node.id === this.scene.output ? "cg-output" : ""].join(" ");
    const g = el("g", { class: cls.trim(), "data-id": node.id, "data-kind": node.kind }, this.viewport, SVG);
    const x0 = node.x - node.w / 2, y0 = node.y - node.h / 2;
    if (node.kind === "op") {
      el("ellipse", { cx: node.x, cy: node.y, rx: node.w / 2, ry: node.h / 2 }, g, SVG);
      const t = el("text", { x: node.x, y: node.y + 4, "text-anchor": "middle" }, g, SVG);
      t.textContent = node.text;
    } else {
      g.setAttribute("data-label", node.label);
      g.setAttribute("data-final-grad", String(node.grad));
      el("rect", { x: x0, y: y0, width: node.w, height: node.h, rx: 3 }, g, SVG);
      const rows = node.label ? 3 : 2;
      const row = node.h / rows;
      const texts = [];
      for (let r = 0; r < rows; r++) {
        if (r > 0) el("line", { x1: x0, x2: x0 + node.w, y1: y0 + r * row, y2: y0 + r * row }, g, SVG);
        texts.push(el("text", { x: node.x, y: y0 + r * row + row / 2 + 4, "text-anchor": "middle" }, g, SVG));
      }
      if (node.label) texts[0].textContent = node.label;
      node.dataText = texts[rows - 2];
      node.gradText = texts[rows - 1];
      g.addEventListener("click", (event) => {
        event.stopPropagation();
        if (node.leaf) this.showPaths(node);
        else this.showNode(node);
      });
    }
    g.addEventListener("mouseenter", () => this.showNode(node));
    g.addEventListener("mouseleave", () => this.showStep());
    return g;
  }

  // --- Steps

  steps() {
    return this.mode === "backward" ? this.scene.backward.length : this.scene.forward.length;
  }

  act(action) {
    this.pinned = null;
    if (action === "play") return this.togglePlay();
    if (action === "fit") return this.fit();
    if (action === "view") return this.setView(this.view === "collapsed" ? "expanded" : "collapsed", true);
    if (action !== "step") this.stopPlay();
    if (action === "reset") this.goTo(0);
    else if (action === "back") this.goTo(Math.max(0, this.done - 1));
    else if (action === "step") {
      if (this.done >= this.steps()) this.stopPlay();
      else this.goTo(this.done + 1);
    }
  }

  togglePlay() {
    if (this.timer) return this.stopPlay();
    if (this.done >= this.steps()) this.goTo(0);
    this.playButton.textContent = "Pause";
    const delay = Math.max(30, Math.min(700, 12000 / Math.max(1, this.steps())));
    this.timer = setInterval(() => this.act("step"), delay);
  }

  stopPlay() {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
    this.playButton.textContent = "Play";
  }

  setMode(mode) {
    this.stopPlay();
    this.mode = mode;
    this.modeSelect.value = mode;
    this.done = 0;
    this.goTo(0, true);
  }

  goTo(k, repaintAll = false) {
    const before = this.done;
    this.done = k;
    const touched = new Set();
    if (this.mode === "backward") {
      const [lo, hi] = before < k ? [before, k] : [k, before];
      for (let s = lo; s < hi; s++) {
        const step = this.scene.backward[s];
        touched.add(step.node);
        for (const [parent] of step.sends) touched.add(parent);
      }
    } else {
      const [lo, hi] = before < k ? [before, k] : [k, before];
      for (let s = lo; s < hi; s++) touched.add(this.scene.forward[s]);
    }
    if (repaintAll) for (const node of this.scene.nodes) if (node.kind === "value") touched.add(node.id);
    for (const id of touched) this.paint(this.byId.get(id));
    this.paintBoxes();
    this.markCurrent();
    this.counter.textContent = `step ${k} / ${this.steps()}`;
    this.showStep();
  }

  gradientAt(id, done) {
    // The node's gradient after `done` backward steps: what it has received, added in order, or null.
    if (id === this.scene.output) return done > 0 ? 1.0 : null;
    let sum = null;
    for (const r of this.received.get(id) || []) {
      if (r.step >= done) break;
      sum = sum === null ? r.share : sum + r.share;
    }
    return sum;
  }

  paint(node) {
    const g = this.nodeEls.get(node.id);
    let data = node.data, grad = null, partial = false;
    if (this.mode === "forward") {
      if (this.forwardIndex.get(node.id) >= this.done) data = null;
    } else {
      grad = this.gradientAt(node.id, this.done);
      partial = grad !== null && grad !== node.grad;
    }
    g.setAttribute("data-data", data === null ? "" : String(data));
    g.setAttribute("data-grad", grad === null ? "" : String(grad));
    node.dataText.textContent = data === null ? "data ·" : `data ${number(data, this.precision)}`;
    node.dataText.setAttribute("class", data === null ? "cg-pending" : "");
    node.gradText.textContent = grad === null ? "grad ·" : `grad ${number(grad, this.precision)}`;
    node.gradText.setAttribute("class", grad === null ? "cg-pending" : partial ? "cg-partial" : "");
  }

  currentId() {
    if (this.done === 0) return null;
    return this.mode === "backward" ? this.scene.backward[this.done - 1].node : this.scene.forward[this.done - 1];
  }

  markCurrent() {
    for (const item of this.root.querySelectorAll(".cg-current, .cg-receiving"))
      item.classList.remove("cg-current", "cg-receiving");
    const id = this.currentId();
    if (!id) return;
    this.nodeEls.get(id).classList.add("cg-current");
    if (this.view === "collapsed" && this.boxOf && this.boxOf.has(id)) {
      this.boxEls.get(this.boxOf.get(id)).g.classList.add("cg-current");
    }
    const op = this.opOf.get(id);
    if (op) this.nodeEls.get(op).classList.add("cg-current");
    if (this.mode === "backward") {
      for (const [parent] of this.scene.backward[this.done - 1].sends) this.nodeEls.get(parent).classList.add("cg-receiving");
      for (const { edge, path } of this.edgeEls) if (edge.to === op || edge.from === op) path.classList.add("cg-current");
    }
  }

  // --- The panel

  showStep() {
    if (this.pinned) {  // a clicked leaf's derivation stays until the next step or click
      this.panel.textContent = this.pinned;
      return;
    }
    const id = this.currentId();
    if (!id) {
      this.panel.textContent = this.mode === "backward"
        ? "Backward, not started: every gradient is not yet computed (·).\nStep (→) processes one node at a time, from the output back, in reverse topological order."
        : "Forward, not started: no value is computed yet.\nStep (→) computes one value at a time, in topological order.";
      return;
    }
    const node = this.byId.get(id);
    if (this.mode === "forward") {
      const op = node.op ? ` = ${node.op} of its inputs` : " (a leaf: given)";
      this.panel.textContent = `step ${this.done}: ${node.name}${op}\ndata = ${number(node.data, this.precision)}`;
      return;
    }
    const step = this.scene.backward[this.done - 1];
    const lines = [`step ${this.done}: ${node.name}  (op ${node.op})`];
    if (id === this.scene.output) lines.push(`grad = 1  (the output: ∂${node.name}/∂${node.name})`);
    else {
      const parts = (this.received.get(id) || []).map((r) => {
        const edge = this.inputs.get(this.opOf.get(r.from)).find((e) => e.position === r.position);
        return `${number(this.byId.get(r.from).grad, this.precision)} × ${number(edge.local, this.precision)}`;
      });
      lines.push("grad = Σ upstream grad × local derivative");
      lines.push(`     = ${parts.join(" + ")}`);
      lines.push(`     = ${number(step.grad, this.precision)}`);
    }
    lines.push("", "passes back, to each input: grad × local derivative");
    const running = new Map(); // parent id -> its gradient so far, within this step
    for (const [parent, share, position] of step.sends) {
      const p = this.byId.get(parent);
      const edge = this.inputs.get(this.opOf.get(id)).find((e) => e.position === position);
      const had = running.has(parent) ? running.get(parent) : this.gradientAt(parent, this.done - 1);
      const sum = had === null ? share : had + share;
      running.set(parent, sum);
      const op = had === null ? " =" : "+=";
      const was = had === null ? "" : `  (had ${number(had, this.precision)}: used again, so it adds)`;
      lines.push(`  ${p.name} ${op} ${number(step.grad, this.precision)} × ${edge.formula} (${number(edge.local, this.precision)}) = ${number(share, this.precision)} → ${number(sum, this.precision)}${was}`);
    }
    this.panel.textContent = lines.join("\n");
  }

  showNode(node) {
    if (node.kind === "op") return;
    const lines = [`${node.name}${node.label ? "" : "  (no label)"}`, `op: ${node.op || "(leaf)"}`,
      `data = ${number(node.data, this.precision)}`, `grad = ${number(node.grad, this.precision)} (after backward)`];
    const inputs = this.inputs.get(this.opOf.get(node.id)) || [];
    if (inputs.length) lines.push("", "local derivatives of its inputs:");
    for (const edge of inputs) {
      lines.push(`  ∂${node.name}/∂${this.byId.get(edge.from).name} = ${edge.formula} = ${number(edge.local, this.precision)}`);
    }
    this.panel.textContent = lines.join("\n");
  }

  showEdge(edge) {
    const parent = this.byId.get(edge.from);
    const child = this.byId.get(this.outOf.get(edge.to));
    this.panel.textContent = `edge ${parent.name} → ${child.name}\nlocal derivative ∂${child.name}/∂${parent.name}\n  = ${edge.formula}\n  = ${number(edge.local, this.precision)}`;
  }

  showPaths(leaf) {
    for (const item of this.root.querySelectorAll(".cg-path")) item.classList.remove("cg-path");
    // Nodes on a path from the output down to the leaf: reachable downward from the output, upward from the leaf.
    const up = new Set([leaf.id]), queue = [leaf.id];
    while (queue.length) {
      const id = queue.pop();
      for (const edge of this.users.get(id) || []) {
        const out = this.outOf.get(edge.to);
        if (!up.has(out)) { up.add(out); queue.push(out); }
      }
    }
    for (const id of up) {
      this.nodeEls.get(id).classList.add("cg-path");
      const op = this.opOf.get(id);
      if (op) this.nodeEls.get(op).classList.add("cg-path");
    }
    for (const { edge, path } of this.edgeEls) {
      const value = edge.from.startsWith("op") ? edge.to : edge.from;
      const target = edge.from.startsWith("op") ? edge.to : this.outOf.get(edge.to);
      if (up.has(value) && up.has(target)) path.classList.add("cg-path");
    }
    const text = this.scene.explanations[leaf.id];
    this.pinned = text || `${leaf.name}: ${up.size - 1} nodes lie on its paths to the output.\nFor the derivation, run autograd.explain(output, ${leaf.name}) in Python.`;
    this.panel.textContent = this.pinned;
  }

  find(query) {
    for (const item of this.root.querySelectorAll(".cg-match")) item.classList.remove("cg-match");
    if (!query) return;
    const q = query.toLowerCase();
    const hits = this.scene.nodes.filter((n) => n.kind === "value" && (n.label || "").toLowerCase().includes(q));
    for (const hit of hits) this.nodeEls.get(hit.id).classList.add("cg-match");
    if (hits.length) this.center(hits[0]);
  }

  // --- Scopes

  toggleScope(scope, g, label) {
    const collapsed = !g.classList.contains("cg-collapsed");
    g.classList.toggle("cg-collapsed", collapsed);
    label.textContent = `${scope.label} ${collapsed ? "▸" : "▾"}`;
    this.hidden = new Set();
    for (const other of this.scene.scopes) {
      if (this.scopeEls.get(other.path).classList.contains("cg-collapsed")) {
        for (const id of other.members) this.hidden.add(id);
        for (const inner of this.scene.scopes) {
          if (inner.path.startsWith(`${other.path}/`)) this.scopeEls.get(inner.path).style.display = "none";
        }
      }
    }
    for (const inner of this.scene.scopes) {
      const outer = this.scene.scopes.some((o) => inner.path.startsWith(`${o.path}/`) &&
        this.scopeEls.get(o.path).classList.contains("cg-collapsed"));
      if (!outer) this.scopeEls.get(inner.path).style.display = "";
    }
    this.toggleScopeVisibility();
  }

  toggleScopeVisibility() {
    for (const [id, node] of this.nodeEls) node.style.display = this.hidden.has(id) ? "none" : "";
    for (const { edge, path } of this.edgeEls) {
      const hide = this.hidden.has(edge.from) && this.hidden.has(edge.to);
      path.style.display = hide ? "none" : "";
    }
  }

  // --- The collapsed view: one box per innermost scope (a neuron), laid out on its own

  drawCollapsed(markerId) {
    const view = this.scene.collapsed;
    this.boxOf = new Map(Object.entries(view.box_of));
    this.collapsedLayer = el("g", { "data-role": "collapsed" }, this.viewport, SVG);
    this.viewport.insertBefore(this.collapsedLayer, this.viewport.firstChild);
    for (const edge of view.edges) {
      const from = view.items[edge.from], to = view.items[edge.to];
      el("path", { class: "cg-edge", d: pathData(edge.points, from, to), "data-from": edge.from, "data-to": edge.to,
        "marker-end": `url(#${markerId})` }, this.collapsedLayer, SVG);
    }
    this.boxEls = new Map();
    for (const box of view.boxes) {
      const at = view.items[box.id];
      if (!at) continue;
      const g = el("g", { class: "cg-node cg-box", "data-id": box.id, "data-kind": "scope", "data-scope": box.path },
        this.collapsedLayer, SVG);
      el("rect", { x: at.x - at.w / 2, y: at.y - at.h / 2, width: at.w, height: at.h, rx: 6 }, g, SVG);
      const shown = box.outputs.slice(0, 3), rows = 1 + shown.length, row = at.h / rows;
      const title = el("text", { x: at.x, y: at.y - at.h / 2 + row / 2 + 4, "text-anchor": "middle" }, g, SVG);
      title.textContent = box.path;
      box.texts = shown.map((id, r) => {
        el("line", { x1: at.x - at.w / 2, x2: at.x + at.w / 2, y1: at.y - at.h / 2 + (r + 1) * row,
          y2: at.y - at.h / 2 + (r + 1) * row }, g, SVG);
        return [id, el("text", { x: at.x, y: at.y - at.h / 2 + (r + 1) * row + row / 2 + 4, "text-anchor": "middle" }, g, SVG)];
      });
      g.addEventListener("click", (event) => {
        event.stopPropagation();
        this.setView("expanded", false);
        const scope = this.scene.scopes.find((sc) => sc.path === box.path);
        if (scope) this.center(scope);
      });
      g.addEventListener("mouseenter", () => { this.panel.textContent = `${box.path}: click to see its nodes`; });
      g.addEventListener("mouseleave", () => this.showStep());
      this.boxEls.set(box.id, { box, g });
    }
    this.paintBoxes();
  }

  paintBoxes() {
    if (!this.boxEls) return;
    for (const { box } of this.boxEls.values()) {
      for (const [id, text] of box.texts) {
        const g = this.nodeEls.get(id), node = this.byId.get(id);
        const data = g.getAttribute("data-data"), grad = g.getAttribute("data-grad");
        const name = node.label || "out";
        text.textContent = `${name}: data ${data === "" ? "·" : number(Number(data), this.precision)}  grad ${grad === "" ? "·" : number(Number(grad), this.precision)}`;
      }
    }
  }

  size() {
    // What Fit fits: the layout's box, grown to take in any scope box drawn around its edge.
    if (this.view === "collapsed") return { x0: 0, y0: 0, width: this.scene.collapsed.width, height: this.scene.collapsed.height };
    let x0 = 0, y0 = 0, x1 = this.scene.width, y1 = this.scene.height;
    for (const s of this.scene.scopes) {
      x0 = Math.min(x0, s.x - s.w / 2); y0 = Math.min(y0, s.y - s.h / 2);
      x1 = Math.max(x1, s.x + s.w / 2); y1 = Math.max(y1, s.y + s.h / 2);
    }
    return { x0, y0, width: x1 - x0, height: y1 - y0 };
  }

  setView(view, refit = true) {
    if (view === "collapsed" && !this.scene.collapsed) view = "expanded";
    this.view = view;
    const collapsed = view === "collapsed";
    if (this.viewButton) this.viewButton.textContent = collapsed ? "Expand scopes" : "Collapse scopes";
    if (this.collapsedLayer) this.collapsedLayer.style.display = collapsed ? "" : "none";
    for (const item of this.expandedOnly) item.style.display = collapsed ? "none" : "";
    const items = collapsed ? this.scene.collapsed.items : null;
    for (const [id, g] of this.nodeEls) {
      const node = this.byId.get(id);
      const at = items && items[id];
      if (collapsed && !at) g.style.display = "none";
      else {
        g.style.display = this.hidden && this.hidden.has(id) && !collapsed ? "none" : "";
        g.setAttribute("transform", at ? `translate(${at.x - node.x},${at.y - node.y})` : "");
      }
    }
    if (!collapsed && this.hidden) this.toggleScopeVisibility();
    this.markCurrent();
    if (refit) this.fit();
  }

  // --- Pan and zoom

  enablePanZoom() {
    this.zoom = { x: 0, y: 0, k: 1 };
    let drag = null;
    this.svg.addEventListener("wheel", (event) => {
      event.preventDefault();
      const box = this.svg.getBoundingClientRect();
      const px = event.clientX - box.left, py = event.clientY - box.top;
      const factor = Math.exp(-event.deltaY * 0.0015);
      const k = Math.min(8, Math.max(0.05, this.zoom.k * factor));
      this.zoom.x = px - ((px - this.zoom.x) * k) / this.zoom.k;
      this.zoom.y = py - ((py - this.zoom.y) * k) / this.zoom.k;
      this.zoom.k = k;
      this.applyView();
    }, { passive: false });
    this.svg.addEventListener("pointerdown", (event) => {
      drag = { x: event.clientX, y: event.clientY, vx: this.zoom.x, vy: this.zoom.y };
    });
    window.addEventListener("pointermove", (event) => {
      if (!drag) return;
      this.zoom.x = drag.vx + event.clientX - drag.x;
      this.zoom.y = drag.vy + event.clientY - drag.y;
      this.applyView();
    });
    window.addEventListener("pointerup", () => { drag = null; });
  }

  applyView() {
    this.viewport.setAttribute("transform", `translate(${this.zoom.x},${this.zoom.y}) scale(${this.zoom.k})`);
  }

  fit() {
    const w = this.svg.clientWidth || 600, h = this.svg.clientHeight || 400, pad = 10;
    const { x0, y0, width, height } = this.size();
    const k = Math.min((w - 2 * pad) / width, (h - 2 * pad) / height, 1.5);
    this.zoom = { k, x: (w - width * k) / 2 - x0 * k, y: (h - height * k) / 2 - y0 * k };
    this.applyView();
  }

  center(node) {
    const w = this.svg.clientWidth || 600, h = this.svg.clientHeight || 400;
    const k = Math.max(this.zoom.k, 1);
    this.zoom = { k, x: w / 2 - node.x * k, y: h / 2 - node.y * k };
    this.applyView();
  }
}

function render({ model, el: root }) {
  if (!document.getElementById("cg-explorer-style")) {
    const style = document.createElement("style");
    style.id = "cg-explorer-style";
    style.textContent = STYLE;
    document.head.appendChild(style);
  }
  let explorer = new Explorer(root, model.get("scene"));
  model.on("change:scene", () => {
    root.replaceChildren();
    explorer = new Explorer(root, model.get("scene"));
  });
  return () => explorer.stopPlay();
}

export default { render };
