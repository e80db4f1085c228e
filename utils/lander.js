// The live lander's front end (utils/lander.py): draws the state the kernel sends, sends the keys pressed.
// The kernel steps the environment; this module asks for the next frame once it has drawn the last one,
// at 50 frames per second times the speed chosen.

const W = 600, H = 400, STEP_MS = 1000 / 50;
const KEYS = { ArrowLeft: 1, ArrowUp: 2, ArrowRight: 3, a: 1, w: 2, d: 3 };
const BUTTONS = [[1, "◀ left engine"], [2, "▲ main engine"], [3, "right engine ▶"]];

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function render({ model, el }) {
  const root = element("div", "dqn-lander");
  const canvas = element("canvas", "dqn-lander-canvas");
  canvas.width = W;
  canvas.height = H;
  canvas.tabIndex = 0;
  canvas.setAttribute("aria-label", "the lunar lander: arrow keys fire its engines");
  const side = element("div", "dqn-lander-side");
  const terms = element("pre", "dqn-lander-terms");
  const result = element("div", "dqn-lander-result");
  const bars = element("div", "dqn-lander-q");
  const history = element("div", "dqn-lander-flights");
  side.append(terms, result, bars, history);
  const controls = element("div", "dqn-lander-controls");
  const fly = model.get("mode") === "fly";
  const newFlight = element("button", "", fly ? "New flight" : "New episode");
  const play = element("button", "", "Play");
  const stepOnce = element("button", "", "Step");
  const speed = element("select");
  for (const value of [0.25, 0.5, 1, 2, 4]) {
    const option = element("option", "", `${value}× speed`);
    option.value = value;
    if (value === model.get("speed")) option.selected = true;
    speed.append(option);
  }
  controls.append(newFlight, play, stepOnce, speed);
  const engines = element("div", "dqn-lander-engines");
  const pressed = new Set();
  for (const [action, label] of BUTTONS) {
    const button = element("button", "", label);
    button.dataset.action = action;
    const down = (event) => { event.preventDefault(); pressed.add(action); start(); };
    const up = (event) => { event.preventDefault(); pressed.delete(action); };
    button.addEventListener("pointerdown", down);
    button.addEventListener("pointerup", up);
    button.addEventListener("pointerleave", up);
    button.addEventListener("pointercancel", up);
    engines.append(button);
  }
  if (!fly) engines.style.display = "none";
  const picture = element("div", "dqn-lander-picture");
  picture.append(canvas, fly ? engines : element("span"), controls);
  root.append(picture, side);
  el.append(root);

  const context = canvas.getContext("2d");
  // Up to two requests in flight: the next frame is on its way while this one is drawn.
  let frame = null, running = false, inflight = 0, owed = 0, lastTick = null, raf = 0;
  let drawn = 0, since = performance.now();

  function action() {
    // The last key pressed wins; with none held, do nothing.
    return pressed.size ? [...pressed][pressed.size - 1] : 0;
  }

  function draw() {
    const terrain = model.get("terrain");
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, W, H);
    context.save();
    context.translate(0, H);
    context.scale(1, -1);  // LunarLander's y points up
    context.fillStyle = "#000000";
    for (const polygon of terrain.slice(0, -1)) fill(polygon);
    if (frame) {
      for (const [x, y, ttl] of frame.particles) {
        context.fillStyle = `rgb(${Math.round(255 * ttl)},${Math.round(255 * Math.max(0.2, ttl / 3))},${Math.round(255 * Math.max(0.2, ttl / 3))})`;
        context.beginPath();
        context.arc(x, y, 3, 0, 2 * Math.PI);
        context.fill();
      }
      for (const body of frame.bodies) {
        for (const polygon of body) {
          context.fillStyle = "rgb(128,102,230)";
          context.strokeStyle = "rgb(77,77,128)";
          fill(polygon, true);
        }
      }
    }
    const [x1, x2, y] = terrain[terrain.length - 1] || [0, 0, 0];
    for (const x of [x1, x2]) {
      context.strokeStyle = "#ffffff";
      context.beginPath();
      context.moveTo(x, y);
      context.lineTo(x, y + 50);
      context.stroke();
      context.fillStyle = "rgb(204,204,0)";
      fill([x, y + 50, x, y + 40, x + 25, y + 45]);
    }
    context.restore();
  }

  function fill(points, outline) {
    context.beginPath();
    context.moveTo(points[0], points[1]);
    for (let i = 2; i < points.length; i += 2) context.lineTo(points[i], points[i + 1]);
    context.closePath();
    context.fill();
    if (outline) context.stroke();
  }

  function show() {
    if (!frame) return;
    const t = frame.terms;
    terms.textContent = [
      `step      ${frame.step} (seed ${frame.seed})`,
      `return    ${t.return.toFixed(1)}`,
      `distance  ${t.distance.toFixed(2)} from the pad`,
      `speed     ${t.speed.toFixed(2)}`,
      `angle     ${t.angle.toFixed(1)}°`,
      `legs down ${t.legs}`,
      `fuel      ${t.fuel.toFixed(1)} of return spent`,
      `action    ${model.get("action_names")[frame.action]}`,
    ].join("\n");
    result.textContent = frame.outcome ?
      `${frame.outcome}: return ${t.return.toFixed(1)} in ${frame.step} steps` + (fly ? ". New flight to try again." : "") :
      (fly && !running ? "Click the picture, then press ↑ (or a button) to start. Try to beat 200." : "");
    result.dataset.outcome = frame.outcome || "";
    showQ();
  }

  function showQ() {
    bars.replaceChildren();
    if (!frame || !frame.q) return;
    const q = frame.q, low = Math.min(...q), high = Math.max(...q), span = Math.max(high - low, 1e-6);
    bars.append(element("div", "dqn-lander-q-title", "Q-values of this state"));
    q.forEach((value, index) => {
      const row = element("div", "dqn-lander-q-row" + (index === frame.action ? " chosen" : ""));
      const name = element("span", "dqn-lander-q-name", model.get("action_names")[index]);
      const bar = element("span", "dqn-lander-q-bar");
      bar.style.width = `${8 + 112 * (value - low) / span}px`;
      row.append(name, bar, element("span", "dqn-lander-q-value", value.toFixed(2)));
      bars.append(row);
    });
  }

  function showFlights() {
    const flights = model.get("flights");
    if (!flights.length) { history.replaceChildren(); return; }
    const best = flights.reduce((a, b) => (b.return > a.return ? b : a));
    const lines = flights.slice(-5).map((f) => `#${f.flight} ${f.who}: ${f.return.toFixed(1)}, ${f.outcome}`);
    history.textContent = `flights: ${flights.length}, best ${best.return.toFixed(1)} (#${best.flight})\n` +
      lines.join("\n");
  }

  function tick(now) {
    // The steps due since the last tick, at 50 a second times the speed: one per frame drawn in real
    // time, several per frame when faster than the screen refreshes or the kernel answers.
    raf = requestAnimationFrame(tick);
    const elapsed = lastTick === null ? 0 : now - lastTick;
    lastTick = now;
    if (!running) { owed = 0; return; }
    owed = Math.min(owed + elapsed * Number(speed.value) / STEP_MS, 10);
    pump();
  }

  function pump() {
    while (running && inflight < 2 && owed >= 1) {
      const count = Math.min(Math.floor(owed), 5);
      owed -= count;
      inflight += 1;
      model.send({ do: "step", action: action(), count });
    }
  }

  function start() {
    if (frame && frame.outcome) return;
    running = true;
    play.textContent = "Pause";
    canvas.focus();
  }

  function stop() {
    running = false;
    play.textContent = "Play";
  }

  model.on("msg:custom", (message) => {
    if (!message.frame) return;
    if (message.stepped) inflight = Math.max(0, inflight - 1);
    frame = message.frame;
    if (message.replay) { running = true; play.textContent = "Pause"; }
    if (frame.outcome) stop();
    draw();
    show();
    drawn += 1;
    const now = performance.now();
    if (now - since >= 1000) {
      root.dataset.fps = (1000 * drawn / (now - since)).toFixed(1);
      drawn = 0;
      since = now;
    }
    root.dataset.frames = String(Number(root.dataset.frames || 0) + 1);
    pump();
  });
  model.on("change:flights", showFlights);
  model.on("change:terrain", draw);

  canvas.addEventListener("keydown", (event) => {
    if (!(event.key in KEYS) && event.key !== " ") return;
    event.preventDefault();
    if (event.key === " ") { running ? stop() : start(); return; }
    pressed.add(KEYS[event.key]);
    if (fly) start();
  });
  canvas.addEventListener("keyup", (event) => { if (event.key in KEYS) pressed.delete(KEYS[event.key]); });
  canvas.addEventListener("blur", () => pressed.clear());
  newFlight.addEventListener("click", () => { stop(); model.send({ do: "reset" }); canvas.focus(); });
  play.addEventListener("click", () => (running ? stop() : start()));
  stepOnce.addEventListener("click", () => {
    stop();
    if (!inflight) { inflight = 1; model.send({ do: "step", action: action() }); }
  });

  draw();
  showFlights();
  model.send({ do: "frame" });
  raf = requestAnimationFrame(tick);
  return () => cancelAnimationFrame(raf);
}

export default { render };
