// The inspector's table and panel in real headless Chromium, against the `npm run dev` stack (every
// api/ function and public/) with deliveries of every state written into its store — dead and retrying
// actions, a reconciled run, failed runs, a pause with its question, deliveries no route handled — as a
// user opening the page after a busy hour would find them: at least 10 rows above the fold at 1280 px,
// no horizontal scroll at 375 px, j/k/Enter/Esc, deep links, redrive of dead actions, the pause's form,
// the health strip and the LangSmith link. Screenshots in test-artifacts/. LangGraph is a loopback fake:
// nothing here starts a run (inspector.test.ts drives real runs on the official server).
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevStack, startDevStack } from "../../dev/stack.js";
import { jsonLogger } from "../../lib/shared/log.js";
import { chromiumAvailable, launchChromium, loopbackContext } from "../support/browser.js";
import { FakeLangGraph } from "../support/fake-langgraph.js";
import { attempt, contrastProblems, seedDelivery } from "../support/inspector-page.js";
import { newSecret, TestReceiver } from "../support/routing.js";

const START_TIMEOUT_MS = 120_000;
const TOKEN = "inspector-table-trigger-token-0123456789";
const LANGSMITH_KEY = "lsv2_inspector_table_not_a_real_key_0123456789";
const SECRET = newSecret();
const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/", import.meta.url));
const FORWARD = "env:forward";

const haveChromium = chromiumAvailable();

describe.runIf(haveChromium)("the inspector's table and panel in Chromium", () => {
  let receiver: TestReceiver;
  let langgraph: FakeLangGraph;
  let stack: DevStack | undefined;
  let browser: Browser | undefined;
  const pageErrors: string[] = [];
  const blocked: string[] = [];
  /** Delivery ids of the seeded states, by name. */
  const ids: Record<string, string> = {};
  const THREAD = "5a1e0d2c-4b5f-4c3a-9d8e-1f2a3b4c5d6e";

  function startStack(port: number): Promise<DevStack> {
    return startDevStack({
      port,
      env: {
        TRIGGER_TOKEN: TOKEN,
        LANGGRAPH_API_URL: langgraph.url,
        LANGSMITH_API_KEY: LANGSMITH_KEY,
        FORWARD_URL: `${receiver.url}/hooks`,
        FORWARD_SECRET: SECRET,
        RETRY_SCHEDULE: "300ms",
      },
      log: jsonLogger(() => {}),
      // Reloads are the test's to make (stack.reload): edits elsewhere in the tree must not reload it.
      watch: false,
      // The fake serves no /ok: a start-up check would only say so in the page's notice.
      checkServices: false,
    });
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    receiver = await new TestReceiver(SECRET).listen();
    langgraph = new FakeLangGraph();
    await langgraph.start();
    const [started, launched] = await Promise.all([startStack(0), launchChromium()]);
    stack = started;
    browser = launched;
    const store = stack.runtime.store;
    const min = 60_000;
    // Oldest first, so that the newest is the paused run on top.
    for (let n = 0; n < 6; n++) ids[`quiet-${n}`] = await seedDelivery(store, { runId: `quiet-run-${n}`, agoMs: (50 - n) * min });
    for (let n = 0; n < 5; n++) {
      ids[`ok-${n}`] = await seedDelivery(store, {
        runId: `0000000${n}-aaaa-4bbb-8ccc-00000000000${n}`,
        agoMs: (40 - n * 3) * min,
        actions: [{ name: FORWARD, state: "succeeded", attempts: [attempt(1, true, (40 - n * 3) * min, 200)] }],
      });
    }
    ids["run-error"] = await seedDelivery(store, {
      runId: "e0000000-aaaa-4bbb-8ccc-0000000e1e01",
      status: "error",
      error: "ValueError: the model refused",
      agoMs: 20 * min,
      actions: [{ name: FORWARD, state: "succeeded", attempts: [attempt(1, true, 20 * min, 200)] }],
    });
    for (const n of [1, 2]) {
      ids[`dead-${n}`] = await seedDelivery(store, {
        runId: `d000000${n}-aaaa-4bbb-8ccc-00000000dd0${n}`,
        agoMs: (15 - n) * min,
        route: "billing",
        actions: [
          {
            name: FORWARD,
            state: "failed",
            dead_at: new Date(Date.now() - (10 - n) * min).toISOString(),
            last_error: "Forward endpoint answered 503: down (retry schedule exhausted after 2 attempts)",
            attempts: [attempt(1, false, (15 - n) * min, 503), attempt(2, false, (10 - n) * min, 503)],
          },
        ],
      });
    }
    ids["retrying"] = await seedDelivery(store, {
      runId: "b0000000-aaaa-4bbb-8ccc-000000007701",
      agoMs: 6 * min,
      actions: [{ name: FORWARD, state: "pending", next_attempt_at: new Date(Date.now() + 3_600_000).toISOString(), attempts: [attempt(1, false, 6 * min, 502)] }],
    });
    ids["reconciled"] = await seedDelivery(store, {
      runId: "c0000000-aaaa-4bbb-8ccc-0000000cc001",
      agoMs: 4 * min,
      source: "reconciled",
      actions: [{ name: FORWARD, state: "succeeded", attempts: [attempt(1, true, 4 * min, 200)] }],
    });
    ids["decided"] = await seedDelivery(store, {
      runId: "a0000000-aaaa-4bbb-8ccc-0000000aa002",
      event: "run.paused",
      agoMs: 3 * min,
      threadId: THREAD,
      pause: { interrupts: [{ id: "int-2", value: "Publish the post?" }], next: ["publish"] },
      decisions: [{ channel: "slack", decision: "approve", by: "alice", at: new Date(Date.now() - 2 * min).toISOString(), run_id: "f0000000-aaaa-4bbb-8ccc-000000000009" }],
      routing: "done",
    });
    ids["paused"] = await seedDelivery(store, {
      runId: "a0000000-aaaa-4bbb-8ccc-0000000aa001",
      event: "run.paused",
      agoMs: 1 * min,
      threadId: THREAD,
      pause: { interrupts: [{ id: "int-1", value: { question: "Refund $120 to ACME?", amount: 120 } }], next: ["refund"] },
      routing: "done",
    });
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await langgraph?.stop();
    await receiver?.close();
  }, START_TIMEOUT_MS);

  async function signedInPage(viewport = { width: 1280, height: 900 }, hash = ""): Promise<Page> {
    if (browser === undefined || stack === undefined) throw new Error("not started");
    const { context, blocked: refused } = await loopbackContext(browser, { viewport });
    const page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("close", () => blocked.push(...refused));
    await page.goto(`${stack.url}/${hash}`);
    await page.locator("#token").fill(TOKEN);
    await page.locator("#login-submit").click();
    await page.locator("#list tr.delivery").first().waitFor();
    return page;
  }

  const rowOf = (page: Page, name: string) => page.locator(`#list tr.delivery[data-id="${ids[name]}"]`);
  const focusedRowId = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.closest("tr")?.dataset["id"] ?? null);

  it("shows at least 10 deliveries above the fold at 1280 px, each state in its own words, and the last hour's health", async () => {
    const page = await signedInPage();
    await expect.poll(() => page.locator("#health-rate .value").innerText()).not.toBe("…");
    const rows = page.locator("#list tr.delivery");
    expect(await rows.count()).toBe(Object.keys(ids).length);
    const aboveFold = await rows.evaluateAll((nodes) => nodes.filter((node) => node.getBoundingClientRect().bottom <= window.innerHeight).length);
    expect(aboveFold).toBeGreaterThanOrEqual(10);
    expect(await page.locator("#run-details").getAttribute("open")).toBeNull();

    // The delivery's state and the run's event are two columns that never contradict each other.
    const cell = (name: string, column: string) => rowOf(page, name).locator(`.c-${column}`).innerText();
    expect(await cell("dead-1", "status")).toBe("dead");
    expect(await cell("dead-1", "actions")).toBe(`${FORWARD} dead (2 attempts)`);
    expect(await cell("retrying", "status")).toBe("retrying");
    expect(await cell("retrying", "actions")).toBe(`${FORWARD} retrying (1 attempt)`);
    expect(await cell("reconciled", "event")).toMatch(/^run\.success\s+reconciled$/);
    expect(await cell("run-error", "event")).toBe("run.error");
    expect(await cell("run-error", "status")).toBe("delivered");
    expect(await rowOf(page, "run-error").locator(".c-event .badge").getAttribute("title")).toBe("ValueError: the model refused");
    expect(await cell("paused", "event")).toBe("run.paused");
    // Deliveries no route handled: a dash, not a grey badge on every row.
    expect(await rowOf(page, "quiet-0").locator(".c-status .badge").count()).toBe(0);
    expect(await cell("ok-0", "run")).toBe("…00000000");
    expect(await cell("quiet-0", "run")).toBe("quiet-run-0");
    expect(await cell("ok-0", "graph")).toBe("agent");
    expect(await cell("paused", "age")).toMatch(/^(1|2) min$/);

    // The health strip: 18 callbacks in the hour, 2 failed for good, 1 failed run, 1 retrying.
    expect(await page.locator("#health-rate .value").innerText()).toBe("0.3");
    expect(await page.locator("#health-rate .caption").innerText()).toMatch(/^18 in the last hour/);
    expect(await page.locator("#health-failed .value").innerText()).toBe("11 %");
    expect(await page.locator("#health-errors .value").innerText()).toBe("5.6 %");
    expect(await page.locator("#health-pending .value").innerText()).toBe("1");
    expect(await page.locator("#health-chart rect.bar:not(.failed)").count()).toBeGreaterThanOrEqual(10);
    expect(await page.locator("#health-chart rect.bar.failed").count()).toBe(2);
    expect(await page.locator("#health-chart svg").getAttribute("aria-label")).toMatch(/18 in all.*2 failed/);
    // The hour is labelled under the chart (its start, now), and the rate's caption names a full minute.
    expect(await page.locator("#health-chart .chart-axis").innerText()).toMatch(/^\d\d:\d\d( [AP]M)?\s+now$/);
    expect(await page.locator("#health-rate .caption").innerText()).toMatch(/in the last full minute$/);

    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
    expect(await page.evaluate(contrastProblems)).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}inspector-table-1280.png` });

    // "Since" keeps what arrived in the last 15 minutes: the two dead, the retrying, the reconciled, the two pauses.
    await page.locator("#filter-since").selectOption("15m");
    await expect.poll(() => rows.count()).toBe(6);
    await page.locator("#filters button[type=reset]").click();
    await expect.poll(() => rows.count()).toBe(Object.keys(ids).length);

    // The panel opens beside the table: both stay in view.
    await rowOf(page, "dead-1").locator("button.open").click();
    await page.locator("#detail [data-role=dead]").waitFor();
    const [table, panel] = await Promise.all([page.locator("#deliveries").boundingBox(), page.locator("#detail").boundingBox()]);
    expect(panel?.x ?? 0).toBeGreaterThan((table?.x ?? 0) + (table?.width ?? 0) - 1);
    // A graph name as long as the example error_graph, and the actions, are not cut off beside the panel.
    const clipped = await page.evaluate(() => {
      const graph = document.querySelector<HTMLElement>("#list tr.delivery td.c-graph");
      if (graph === null) return ["no graph cell"];
      graph.textContent = "error_graph";
      const cells = [graph, ...document.querySelectorAll<HTMLElement>("#list tr.delivery td.c-actions")];
      return cells.filter((cell) => cell.textContent !== "" && cell.scrollWidth > cell.clientWidth && cell.textContent!.length <= 24).map((cell) => cell.textContent);
    });
    expect(clipped).toEqual([]);
    // Room for two actions' words ("dev-log succeeded · notify …") and a graph name with a margin.
    const widths = await page.evaluate(() => ({
      actions: document.querySelector<HTMLElement>("#list tr.delivery td.c-actions")?.clientWidth ?? 0,
      graph: document.querySelector<HTMLElement>("#list tr.delivery td.c-graph")?.clientWidth ?? 0,
    }));
    expect(widths.actions).toBeGreaterThanOrEqual(195);
    expect(widths.graph).toBeGreaterThanOrEqual(130);
    expect(await page.evaluate(contrastProblems)).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}inspector-table-1280-detail.png` });
    await page.context().close();
  });

  it("still works at 375 px: no horizontal scroll, rows as small cards, the panel below the table", async () => {
    const page = await signedInPage({ width: 375, height: 812 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    expect(await page.locator("#filter-box").getAttribute("open")).toBeNull();
    // A row is one small card: its status, event and age on one line.
    const box = await rowOf(page, "dead-1").boundingBox();
    expect(box?.width ?? 0).toBeLessThanOrEqual(375);
    expect(box?.height ?? 999).toBeLessThan(110);
    await page.screenshot({ path: `${ARTIFACTS}inspector-table-375.png` });
    await rowOf(page, "paused").locator("button.open").click();
    await page.locator("#detail [data-part=pause]").waitFor();
    await expect.poll(() => page.evaluate(() => document.getElementById("detail")?.getBoundingClientRect().top ?? -1)).toBeLessThan(80);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    expect(await page.evaluate(contrastProblems)).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}inspector-table-375-detail.png` });
    await page.context().close();
  });

  it("moves with j/k and the arrow keys, opens with Enter, follows j/k in the open panel, and closes with Esc", async () => {
    const page = await signedInPage();
    const order = await page.locator("#list tr.delivery").evaluateAll((nodes) => nodes.map((node) => (node as HTMLElement).dataset["id"]));
    await page.keyboard.press("j");
    expect(await focusedRowId(page)).toBe(order[0]);
    await page.keyboard.press("j");
    await page.keyboard.press("j");
    expect(await focusedRowId(page)).toBe(order[2]);
    await page.keyboard.press("k");
    expect(await focusedRowId(page)).toBe(order[1]);
    await page.keyboard.press("ArrowDown");
    expect(await focusedRowId(page)).toBe(order[2]);
    await page.keyboard.press("ArrowUp");
    expect(await focusedRowId(page)).toBe(order[1]);

    await page.keyboard.press("Enter");
    await page.locator(`#detail-title .delivery-id:text("${order[1]}")`).waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("detail-title");
    expect(new URL(page.url()).hash).toBe(`#/deliveries/${order[1]}`);
    expect(await page.locator(`#list tr.delivery[data-id="${order[1]}"]`).getAttribute("aria-current")).toBe("true");

    // With the panel open, j shows the next row in it while focus stays in the table.
    await page.keyboard.press("j");
    await page.locator(`#detail-title .delivery-id:text("${order[2]}")`).waitFor();
    expect(await focusedRowId(page)).toBe(order[2]);
    expect(new URL(page.url()).hash).toBe(`#/deliveries/${order[2]}`);
    // Typing in a text field is not navigation (the run form's field: a filter would reload the table).
    await page.locator("#run-details > summary").click();
    await page.locator("#run-assistant").fill("");
    await page.keyboard.type("jk");
    expect(await page.locator("#run-assistant").inputValue()).toBe("jk");
    expect(await focusedRowId(page)).toBeNull();
    await page.locator(`#detail-title .delivery-id:text("${order[2]}")`).waitFor();

    await page.locator(`#list tr.delivery[data-id="${order[2]}"] button.open`).focus();
    await page.keyboard.press("Escape");
    expect(await page.locator("#detail").isHidden()).toBe(true);
    expect(await focusedRowId(page)).toBe(order[2]);
    expect(new URL(page.url()).hash).toBe("");
    await page.context().close();
  });

  it("opens the delivery a deep link names, after sign-in and on hashchange, and copies a link back", async () => {
    const page = await signedInPage(undefined, `#/deliveries/${ids["dead-2"]}`);
    await page.locator(`#detail-title .delivery-id:text("${ids["dead-2"]}")`).waitFor();
    expect(await page.locator("#detail [data-role=dead]").innerText()).toMatch(/^Dead since .+: no attempt is scheduled/);
    await page.evaluate((id) => (location.hash = `#/deliveries/${id}`), ids["retrying"]);
    await page.locator(`#detail-title .delivery-id:text("${ids["retrying"]}")`).waitFor();
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
    await page.locator("#detail-tools button.copy").click();
    await expect.poll(() => page.locator("#detail-tools button.copy").innerText()).toBe("Copied");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${stack?.url ?? ""}/#/deliveries/${ids["retrying"]}`);
    // A link to a delivery that does not exist says so in the panel.
    await page.evaluate(() => (location.hash = "#/deliveries/dlv_000000000000000000000000"));
    await page.locator("#detail-body .banner-error", { hasText: "This delivery is gone" }).waitFor();
    await page.context().close();
  });

  it("shows a retrying action's next attempt and a dead one's time, with Replay for each, and the thread in LangSmith Studio", async () => {
    const page = await signedInPage();
    await rowOf(page, "retrying").locator("button.open").click();
    const pending = page.locator(`#detail li.action[data-action="${FORWARD}"]`);
    await pending.locator("[data-role=next-attempt]").waitFor();
    expect(await pending.locator("[data-role=action-state]").innerText()).toBe("retrying");
    expect(await pending.locator("[data-role=next-attempt]").innerText()).toMatch(/^Next attempt in (59 min|1 h) \(/);
    expect(await pending.locator(`button[data-replay="${FORWARD}"]`).count()).toBe(1);

    await rowOf(page, "dead-1").locator("button.open").click();
    const dead = page.locator(`#detail li.action[data-label=dead]`);
    await dead.waitFor();
    expect(await dead.locator("[data-role=dead]").isVisible()).toBe(true);
    expect(await dead.locator(".attempts li").first().innerText()).toMatch(/^#2 failed/);
    expect(await page.locator("#replay-failed").innerText()).toBe("Replay failed action");

    const link = page.locator("#detail [data-role=langsmith]");
    const href = new URL((await link.getAttribute("href")) ?? "");
    expect(`${href.origin}${href.pathname}`).toMatch(/^https:\/\/smith\.langchain\.com\/studio\/thread\/[0-9a-f-]{36}$/);
    expect(href.searchParams.get("baseUrl")).toBe(langgraph.url);
    expect(await link.getAttribute("rel")).toBe("noopener noreferrer");
    expect(await page.content()).not.toContain(LANGSMITH_KEY);
    await page.context().close();
  });

  it("shows what a paused run asks, with Approve, Reject and JSON, and the decisions already taken", async () => {
    const page = await signedInPage();
    await rowOf(page, "paused").locator("button.open").click();
    const pause = page.locator("#detail [data-part=pause]");
    await pause.waitFor();
    expect(await pause.locator(".ask-fields").innerText()).toMatch(/question\s+Refund \$120 to ACME\?\s+amount\s+120/);
    expect(await pause.innerText()).toContain("On resume, runs: refund");
    expect(await pause.locator("#resume-form button[data-decision]").allInnerTexts()).toEqual(["Approve", "Reject"]);
    // JSON that does not parse is refused on the page, before any request.
    await pause.locator(".resume-json > summary").click();
    await page.locator("#resume-json").fill("{not json");
    await page.locator("#resume-json-submit").click();
    expect(await page.locator("#resume-json-error").innerText()).toMatch(/^Not valid JSON/);
    expect(await page.locator("#resume-json").getAttribute("aria-invalid")).toBe("true");
    expect(await page.evaluate(contrastProblems)).toEqual([]);
    await page.locator("#detail").screenshot({ path: `${ARTIFACTS}inspector-paused.png` });

    // One already answered on Slack: who, how and when, and no form to answer it twice.
    await rowOf(page, "decided").locator("button.open").click();
    const decided = page.locator("#detail [data-part=pause]");
    await decided.locator("[data-part=decisions]").waitFor();
    expect(await decided.locator(".ask-text").innerText()).toBe("Publish the post?");
    expect(await decided.locator(".decisions li").innerText()).toMatch(/^approved on Slack by alice · .+ · resumed run f0000000-/);
    expect(await decided.locator("#resume-form").count()).toBe(0);
    await page.context().close();
  });

  it("chooses thread new for the hitl example, and says why it needs one", async () => {
    const page = await signedInPage();
    await page.locator("#run-details > summary").click();
    await page.locator("#run-assistant").fill("hitl");
    expect(await page.locator("input[name=thread][value=new]").isChecked()).toBe(true);
    expect(await page.locator("#run-thread-hint").innerText()).toMatch(/interrupt\(\).*thread new is chosen/);
    await page.locator("input[name=thread][value=none]").check();
    expect(await page.locator("#run-thread-hint").innerText()).toMatch(/No checkpointer set/);
    expect(await page.locator("#run-thread-hint").getAttribute("class")).toContain("field-error");
    await page.locator("#run-assistant").fill("agent");
    expect(await page.locator("#run-thread-hint").isHidden()).toBe(true);
    await page.context().close();
  });

  it("redrives every dead action of a route, and the rows turn delivered", async () => {
    receiver.respond = () => ({ status: 200, body: "back" });
    const before = receiver.requests.length;
    const page = await signedInPage();
    // "Only failed or dead" and the route narrow the table to what the redrive will take.
    await page.locator("#filter-failed").check();
    await page.locator("#filter-route").fill("billing");
    await expect.poll(() => page.locator("#redrive").innerText()).toBe("Redrive dead actions (route billing)");
    await expect
      .poll(() => page.locator("#list tr.delivery").evaluateAll((nodes) => nodes.map((node) => (node as HTMLElement).dataset["id"]).sort()))
      .toEqual([ids["dead-1"], ids["dead-2"]].sort());
    await page.locator("#filter-failed").uncheck();
    const request = page.waitForRequest((candidate) => candidate.method() === "POST" && new URL(candidate.url()).pathname === "/api/deliveries");
    await page.locator("#redrive").click();
    const sent = new URL((await request).url());
    expect(Object.fromEntries(sent.searchParams)).toEqual({ replay: "1", action_state: "failed", route: "billing" });
    await page.locator("#redrive-status", { hasText: /^Redriven 2 actions of 2 deliveries/ }).waitFor();
    await page.locator(`#list tr.delivery[data-id="${ids["dead-1"]}"][data-outcome=succeeded]`).waitFor({ timeout: 20_000 });
    await page.locator(`#list tr.delivery[data-id="${ids["dead-2"]}"][data-outcome=succeeded]`).waitFor({ timeout: 20_000 });
    expect(receiver.requests.length - before).toBe(2);
    await page.screenshot({ path: `${ARTIFACTS}inspector-redriven.png` });
    await page.context().close();
  }, 60_000);

  // Last: it restarts the stack, and the memory store starts empty.
  it("says when the dev server reloaded its functions after a save, and when it restarted with an empty memory store", async () => {
    if (stack === undefined) throw new Error("not started");
    const page = await signedInPage();
    const notice = page.locator("#dev-notice");
    await page.waitForResponse((response) => new URL(response.url()).pathname === "/api/dev");
    expect(await notice.isHidden()).toBe(true);

    expect(await stack.reload(["routes.ts"])).toBe(true);
    await notice.locator("xpath=self::*[@data-kind='reload']").waitFor({ timeout: 15_000 });
    expect(await notice.innerText()).toMatch(/^Reloaded after saving routes\.ts at .+: nothing lost\.$/);
    expect(await page.locator("#list tr.delivery").count()).toBe(Object.keys(ids).length);

    const port = stack.port;
    await stack.stop();
    stack = await startStack(port);
    await notice.locator("xpath=self::*[@data-kind='restart']").waitFor({ timeout: 20_000 });
    expect(await notice.innerText()).toMatch(/^The dev server restarted at .+: the deliveries it kept in memory are gone \(your token still works\)\.$/);
    await page.locator("#list-status", { hasText: "No deliveries yet" }).waitFor({ timeout: 20_000 });
    // Nothing left to look at: the run form unfolds, as the status line's "Start a run above" says.
    expect(await page.locator("#run-details").getAttribute("open")).not.toBeNull();
    expect(await page.locator("#app").isVisible()).toBe(true);
    expect(await page.evaluate(contrastProblems)).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}inspector-dev-restart.png` });
    await page.context().close();
    // Through every test of this file: no script error, and nothing reached past loopback.
    expect(pageErrors).toEqual([]);
    expect(blocked).toEqual([]);
  }, 90_000);
});
