// The inspector page in real headless Chromium against the real `npm run dev` stack (startDevStack: every
// api/ function, public/, and the embedded official LangGraph server), with FORWARD_URL pointing at a
// loopback receiver that verifies Standard Webhooks signatures. The page is driven as a user would:
// token, "Start a run", the delivery arriving in the list, its detail, a failing forward fixed and
// replayed, stream mode, a wrong token, errors, a forged callback shown as rejected, the read-only
// INSPECTOR_TOKEN — plus screenshots in test-artifacts/ and checks of labels, keyboard use, contrast,
// phone width and that nothing leaves loopback.
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Client } from "@langchain/langgraph-sdk";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevStack, startDevStack } from "../../dev/stack.js";
import { newDeliveryRecord } from "../../lib/model/delivery.js";
import { jsonLogger } from "../../lib/shared/log.js";
import { runPayloadSchema } from "../../lib/model/run-payload.js";
import { chromiumAvailable, launchChromium, loopbackContext } from "../support/browser.js";
import { contrastProblems } from "../support/inspector-page.js";
import { fixture } from "../support/kit.js";
import { newSecret, TestReceiver } from "../support/routing.js";

const START_TIMEOUT_MS = 180_000;
/** A run's callback, the forward's retries (~2–4 s of backoff) and a poll or two of the page. */
const ARRIVAL_MS = 30_000;
const TOKEN = "inspector-test-trigger-token-0123456789";
/** Read-only: lists and reads deliveries, nothing else. */
const READ_ONLY_TOKEN = "inspector-test-read-only-token-0123456789";
const TOKEN_KEY = "langgraph-relay.trigger-token";
const FORWARD = "env:forward";
/** Not a real key: the embedded LangGraph server checks none, and the page must never show it. */
const LANGSMITH_KEY = "lsv2_inspector_test_not_a_real_key_0123456789";
const SECRET = newSecret();
const ARTIFACTS = fileURLToPath(new URL("../../test-artifacts/", import.meta.url));

const haveChromium = chromiumAvailable();

describe.runIf(haveChromium)("the inspector page in Chromium", () => {
  let receiver: TestReceiver;
  let stack: DevStack | undefined;
  let browser: Browser | undefined;
  const logs: string[] = [];
  const blocked: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    receiver = await new TestReceiver(SECRET).listen();
    const [started, launched] = await Promise.all([
      startDevStack({
        port: 0,
        env: {
          TRIGGER_TOKEN: TOKEN,
          INSPECTOR_TOKEN: READ_ONLY_TOKEN,
          FORWARD_URL: `${receiver.url}/hooks`,
          FORWARD_SECRET: SECRET,
          // Four attempts, then dead: a failing forward ends within the test, as a dead letter.
          RETRY_SCHEDULE: "300ms,300ms,300ms",
          // The page links threads to LangSmith Studio when the relay has a key; it never shows the key.
          LANGSMITH_API_KEY: LANGSMITH_KEY,
        },
        log: jsonLogger((line) => logs.push(line)),
        // Edits elsewhere in the working tree must not reload the functions under the test.
        watch: false,
      }),
      launchChromium(),
    ]);
    stack = started;
    browser = launched;
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    // The whole stack at once: its receiver stays up for as long as its LangGraph server runs.
    await stack?.stop();
    await receiver?.close();
  }, START_TIMEOUT_MS);

  /** A new tab in its own context (its own sessionStorage), loopback only. */
  async function openPage(viewport = { width: 1280, height: 900 }, deviceScaleFactor = 1): Promise<Page> {
    if (browser === undefined || stack === undefined) throw new Error("not started");
    const { context, blocked: refused } = await loopbackContext(browser, { viewport, deviceScaleFactor });
    const page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("close", () => blocked.push(...refused));
    await page.goto(`${stack.url}/`);
    return page;
  }

  async function signIn(page: Page, token = TOKEN): Promise<void> {
    await page.locator("#token").fill(token);
    await page.locator("#login-submit").click();
  }

  async function signedInPage(viewport?: { width: number; height: number }, scale?: number): Promise<Page> {
    const page = await openPage(viewport, scale);
    await signIn(page);
    await page.locator("#app").waitFor({ state: "visible" });
    // The first page of the list is in (the run form folds away then, when there are deliveries).
    await expect.poll(() => page.locator("#list-status").innerText()).not.toBe("Loading…");
    return page;
  }

  /** The form is folded away once deliveries exist: unfolds it as a user would. */
  async function unfoldRunForm(page: Page): Promise<void> {
    if ((await page.locator("#run-details").getAttribute("open")) === null) await page.locator("#run-details > summary").click();
  }

  /** Fills the "Start a run" form and submits it. */
  async function startRun(
    page: Page,
    options: { assistant?: string; mode?: "create" | "wait" | "stream"; thread?: "none" | "new"; input?: string } = {},
  ) {
    await unfoldRunForm(page);
    await page.locator("#run-assistant").fill(options.assistant ?? "agent");
    await page.locator(`input[name=mode][value=${options.mode ?? "create"}]`).check();
    await page.locator(`input[name=thread][value=${options.thread ?? "none"}]`).check();
    if (options.input !== undefined) await page.locator("#run-input").fill(options.input);
    await page.locator("#run-submit").click();
  }

  /** The run id the form's answer shows (create and wait modes). */
  async function runIdOfAnswer(page: Page): Promise<string> {
    await page.locator("#run-result").waitFor({ state: "visible", timeout: ARRIVAL_MS });
    const answer = JSON.parse(await page.locator("#run-result").innerText()) as { run_id: string };
    expect(answer.run_id).toMatch(/^[0-9a-f-]{36}$/);
    return answer.run_id;
  }

  /** A delivery's row in the table, by its run id. */
  const row = (page: Page, runId: string) => page.locator(`#list tr.delivery[data-run="${runId}"]`);

  async function waitForOutcome(page: Page, runId: string, outcome: string): Promise<void> {
    await page.locator(`#list tr.delivery[data-run="${runId}"][data-outcome=${outcome}]`).waitFor({ timeout: ARRIVAL_MS });
  }

  it("asks for the token, refuses a wrong one with a clear message, and keeps the right one in this tab only", async () => {
    const page = await openPage();
    await page.locator("#login").waitFor({ state: "visible" });
    expect(await page.locator("#app").isHidden()).toBe(true);
    // The token field has focus and a label.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("token");
    expect(await page.locator("label[for=token]").innerText()).toMatch(/token/i);

    await signIn(page, "not-the-token");
    await page.locator("#token-error").waitFor({ state: "visible" });
    expect(await page.locator("#token-error").innerText()).toMatch(/refused the token: Invalid bearer token.*TRIGGER_TOKEN/);
    expect(await page.locator("#token").getAttribute("aria-invalid")).toBe("true");
    expect(await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY)).toBeNull();
    await page.screenshot({ path: `${ARTIFACTS}inspector-wrong-token.png` });

    await signIn(page);
    await page.locator("#app").waitFor({ state: "visible" });
    expect(await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY)).toBe(TOKEN);
    expect(await page.evaluate((key) => localStorage.getItem(key), TOKEN_KEY)).toBeNull();
    expect(page.url()).not.toContain(TOKEN);
    // Nothing has run yet: the empty list says what to do.
    await page.locator("#list-status", { hasText: "No deliveries yet" }).waitFor();

    // A reload of the tab keeps the session; a new tab (new context) asks again.
    await page.reload();
    await page.locator("#app").waitFor({ state: "visible" });
    const other = await openPage();
    await other.locator("#login").waitFor({ state: "visible" });
    await other.context().close();
    await page.context().close();
  });

  it("starts a run from the form, shows its delivery arriving, and opens it with the payload and the action", async () => {
    receiver.respond = () => ({ status: 200, body: "ok" });
    const page = await signedInPage();
    // On a new thread, so that the callback carries the thread's values (stateless runs have none).
    await startRun(page, { thread: "new" });
    const runId = await runIdOfAnswer(page);
    expect(await page.locator("#run-status").innerText()).toContain(`Run ${runId} started`);

    await waitForOutcome(page, runId, "succeeded");
    const item = row(page, runId);
    expect(await item.getAttribute("data-event")).toBe("run.success");
    // Its columns: the delivery's state, the run's event, the graph, the run, the age, the actions.
    expect(await item.locator(".c-status").innerText()).toBe("delivered");
    expect(await item.locator(".c-event").innerText()).toBe("run.success");
    expect(await item.locator(".c-graph").innerText()).toBe("agent");
    // LangGraph's run ids are time-ordered: their last characters tell runs started together apart.
    expect(await item.locator(".c-run").innerText()).toBe(`…${runId.slice(-8)}`);
    expect(await item.locator(".c-age").innerText()).toMatch(/^\d+ s$/);
    expect(await item.locator(".c-actions").innerText()).toContain(`${FORWARD} succeeded (1 attempt)`);
    expect(await item.locator("button.open").getAttribute("title")).toMatch(new RegExp(`run ${runId}\nthread [0-9a-f-]{36}`));

    // Keyboard: focus the row's button and press Enter.
    await item.locator("button.open").focus();
    await page.keyboard.press("Enter");
    await page.locator("#detail-title", { hasText: "Delivery dlv_" }).waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("detail-title");
    expect(await item.getAttribute("aria-current")).toBe("true");
    const detail = page.locator("#detail");
    expect(await detail.locator(".facts").innerText()).toContain(runId);
    // The payload: a collapsible tree and the raw JSON, redacted (no webhook token).
    const raw = await detail.locator("[data-part=raw-payload]").textContent();
    const payload = JSON.parse(raw ?? "{}") as { run_id: string; values: { output: string }; kwargs: { webhook: string } };
    expect(payload.run_id).toBe(runId);
    expect(payload.values.output).toBe("echo: Hello!");
    expect(payload.kwargs.webhook).toMatch(/\/api\/webhook/);
    expect(payload.kwargs.webhook).not.toMatch(/token=/);
    expect(await detail.locator(".json-tree > li > details").getAttribute("open")).not.toBeNull();
    const valuesSummary = detail.locator(".json-tree summary", { hasText: /^values:/ });
    const values = valuesSummary.locator("xpath=..");
    expect(await values.getAttribute("open")).toBeNull();
    await valuesSummary.click();
    expect(await values.getAttribute("open")).not.toBeNull();
    expect(await values.innerText()).toContain('"echo: Hello!"');
    // The action and its attempt.
    const action = detail.locator(`li.action[data-action="${FORWARD}"]`);
    expect(await action.getAttribute("data-state")).toBe("succeeded");
    expect(await action.locator(".attempts").innerText()).toMatch(/#1 ok .*HTTP 200/);
    // The tree stays as the user left it across polls (the detail is redrawn only on change).
    await page.waitForTimeout(2500);
    expect(await values.getAttribute("open")).not.toBeNull();

    // Escape closes the panel and puts focus back on the row.
    await page.keyboard.press("Escape");
    expect(await detail.isHidden()).toBe(true);
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset["id"]?.startsWith("dlv_"))).toBe(true);
    await page.context().close();
  });

  it("shows a forward that failed, and turns it green with Replay once the receiver is fixed", async () => {
    receiver.respond = () => ({ status: 500, body: "receiver is broken" });
    const before = receiver.requests.length;
    const page = await signedInPage();
    await startRun(page, { mode: "wait" });
    const runId = await runIdOfAnswer(page);
    expect(await page.locator("#run-status").innerText()).toContain(`Run ${runId} finished`);

    // Retried by the relay (4 attempts: RETRY_SCHEDULE has 3 retries), then recorded as failed for good.
    await waitForOutcome(page, runId, "failed");
    expect(await row(page, runId).locator(".c-status").innerText()).toBe("dead");
    expect(await row(page, runId).locator(".c-actions").innerText()).toMatch(new RegExp(`${FORWARD} dead \\(4 attempts\\)`));
    // "Only failed actions" keeps it.
    // (The list is redrawn a tick after the change: wait for the succeeded rows of the last test to go.)
    await page.locator("#filter-failed").check();
    await expect.poll(() => page.locator("#list tr.delivery[data-outcome=succeeded]").count()).toBe(0);
    await waitForOutcome(page, runId, "failed");
    expect(await page.locator("#list tr.delivery[data-outcome=succeeded]").count()).toBe(0);

    await row(page, runId).click();
    const action = page.locator(`#detail li.action[data-action="${FORWARD}"]`);
    await action.waitFor();
    expect(await action.getAttribute("data-state")).toBe("failed");
    expect(await action.locator(".last-error").innerText()).toMatch(/answered 500: receiver is broken/);
    expect(await action.locator(".attempts li").count()).toBe(4);
    expect(receiver.requests.length - before).toBe(4);
    await page.screenshot({ path: `${ARTIFACTS}inspector-failed.png` });

    receiver.respond = () => ({ status: 200, body: "fixed" });
    await action.locator(`button[data-replay="${FORWARD}"]`).click();
    await page.locator(`#detail li.action[data-action="${FORWARD}"][data-state=succeeded]`).waitFor({ timeout: ARRIVAL_MS });
    expect(await page.locator("#replay-status").innerText()).toBe(`Replay done: ${FORWARD} succeeded.`);
    const attempts = page.locator(`#detail li.action[data-action="${FORWARD}"] .attempts li`);
    expect(await attempts.count()).toBe(5);
    // Newest first: the replay's success is the first line read.
    expect(await attempts.nth(0).innerText()).toMatch(/#5 ok .*HTTP 200 · replay/);
    expect(await attempts.nth(4).innerText()).toMatch(/#1 failed/);
    expect(await page.locator("#detail .facts [data-role=outcome]").innerText()).toBe("delivered");
    // The row turns green; with "only failed" on, it leaves the filtered list.
    await page.locator("#filter-failed").uncheck();
    await waitForOutcome(page, runId, "succeeded");
    expect(receiver.requests.slice(before).every((request) => request.verified === true)).toBe(true);
    await page.context().close();
  }, 90_000);

  it("shows streamed events as they arrive, before the run ends", async () => {
    receiver.respond = () => ({ status: 200 });
    const page = await signedInPage();
    // Time each event's arrival in the page, and the end of the stream.
    await page.evaluate(() => {
      const times: { event: string; at: number }[] = [];
      const target = document.getElementById("stream-events") as HTMLElement;
      new MutationObserver(() => {
        for (const item of target.querySelectorAll("li:not([data-timed])")) {
          item.setAttribute("data-timed", "");
          times.push({ event: (item as HTMLElement).dataset["event"] ?? "", at: performance.now() });
        }
      }).observe(target, { childList: true });
      new MutationObserver(() => {
        if (/Stream ended/.test(document.getElementById("run-status")?.textContent ?? "")) {
          (window as unknown as { streamEndedAt?: number }).streamEndedAt ??= performance.now();
        }
      }).observe(document.getElementById("run-status") as HTMLElement, { childList: true, characterData: true, subtree: true });
      (window as unknown as { streamTimes: typeof times }).streamTimes = times;
    });
    await startRun(page, {
      mode: "stream",
      input: JSON.stringify({ messages: [{ role: "user", content: "Hello!" }], delay_ms: 2000 }),
    });
    // The first events are on screen while the run is still sleeping.
    await page.locator("#stream-events li").first().waitFor({ timeout: ARRIVAL_MS });
    expect(await page.locator("#run-status").innerText()).toMatch(/^Streaming/);
    expect(await page.locator("#run-stop").isVisible()).toBe(true);
    await page.locator("#run-status", { hasText: "Stream ended" }).waitFor({ timeout: ARRIVAL_MS });
    await page.locator("#run").screenshot({ path: `${ARTIFACTS}inspector-stream.png` });
    const { times, endedAt } = await page.evaluate(() => {
      const w = window as unknown as { streamTimes: { event: string; at: number }[]; streamEndedAt: number };
      return { times: w.streamTimes, endedAt: w.streamEndedAt };
    });
    expect(times.length).toBeGreaterThanOrEqual(3);
    expect(times[0]?.event).toBe("metadata");
    expect(endedAt - (times[0]?.at ?? endedAt)).toBeGreaterThan(1500);
    const texts = await page.locator("#stream-events li").allInnerTexts();
    expect(texts.some((text) => text.includes("echo: Hello!"))).toBe(true);
    // Its callback arrives like any other.
    const runId = /"run_id":"([0-9a-f-]{36})"/.exec(texts[0] ?? "")?.[1];
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);
    await waitForOutcome(page, runId as string, "succeeded");
    expect(await page.locator("#run-stop").isHidden()).toBe(true);
    await page.context().close();
  });

  it("asks for the token again when it stops working, and says so", async () => {
    const page = await signedInPage();
    await page.evaluate((key) => sessionStorage.setItem(key, "rotated-away"), TOKEN_KEY);
    await page.locator("#login").waitFor({ state: "visible", timeout: 10_000 });
    expect(await page.locator("#token-error").innerText()).toMatch(/refused the token/);
    expect(await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY)).toBeNull();
    expect(await page.locator("#app").isHidden()).toBe(true);
    await page.context().close();
  });

  it("says so when the server fails, an input is not JSON, or no delivery matches the filters", async () => {
    const page = await signedInPage();
    await page.locator("#list tr.delivery").first().waitFor();

    await page.locator("#filter-assistant").fill("no-such-assistant");
    await page.locator("#list-status", { hasText: "No deliveries match these filters." }).waitFor();
    expect(await page.locator("#list tr.delivery").count()).toBe(0);
    await page.locator("#filters button[type=reset]").click();
    await page.locator("#list tr.delivery").first().waitFor();

    await unfoldRunForm(page);
    await page.locator("#run-input").fill("{not json");
    await page.locator("#run-submit").click();
    expect(await page.locator("#run-input-error").innerText()).toMatch(/not valid JSON/);
    expect(await page.locator("#run-input").getAttribute("aria-invalid")).toBe("true");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("run-input");

    // The store goes down: the list says so, keeps what it showed, and recovers by itself.
    const deliveriesApi = (url: URL) => url.pathname === "/api/deliveries";
    await page.route(deliveriesApi, (route) =>
      route.fulfill({
        status: 503,
        contentType: "application/json",
        body: JSON.stringify({ error: { code: "store_unavailable", message: "The delivery store is unavailable; nothing was recorded. Retry later." } }),
      }),
    );
    await page.locator("#list-status.error", { hasText: "Could not load deliveries: The delivery store is unavailable" }).waitFor();
    expect(await page.locator("#list-status").innerText()).toMatch(/Retrying every 2 s/);
    expect(await page.locator("#list tr.delivery").count()).toBeGreaterThan(0);
    await page.unroute(deliveriesApi);
    await page.locator("#list-status:not(.error)", { hasText: "shown" }).waitFor();

    // A run the relay refuses: its message is shown as is.
    await startRun(page, { assistant: "agent", input: "[1, 2]" });
    expect(await page.locator("#run-input-error").innerText()).toMatch(/must be a JSON object/);
    await page.context().close();
  });

  it("is usable at phone width and on a desktop: labels, contrast, no overflow, nothing off loopback; saves screenshots", async () => {
    receiver.respond = () => ({ status: 200 });
    // Something that failed as a run, for the list to show every colour.
    const response = await fetch(`${stack?.url ?? ""}/api/trigger`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ assistant_id: "error_graph", input: { input: "boom" } }),
    });
    expect(response.status).toBe(202);
    const { run_id: errorRun } = (await response.json()) as { run_id: string };

    for (const [name, viewport, scale] of [
      ["desktop", { width: 1280, height: 900 }, 1],
      ["phone", { width: 375, height: 812 }, 2],
    ] as const) {
      const page = await signedInPage(viewport, scale);
      await waitForOutcome(page, errorRun, "succeeded");
      // The run failed, its delivery did not: two columns, two words, no contradiction.
      expect(await row(page, errorRun).locator(".c-event").innerText()).toBe("run.error");
      expect(await row(page, errorRun).locator(".c-event .badge").getAttribute("class")).toContain("bad");
      expect(await row(page, errorRun).locator(".c-status").innerText()).toBe("delivered");
      // Deliveries exist, so the run form is folded away: the table is the subject.
      expect(await page.locator("#run-details").getAttribute("open")).toBeNull();
      await page.locator("#list tr.delivery button.open").first().click();
      await page.locator("#detail .action-list").waitFor();

      // Nothing wider than the screen.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      // Every form control has a name a screen reader can read.
      const unlabelled = await page.evaluate(() =>
        [...document.querySelectorAll("input, select, textarea, button")]
          .filter((node) => {
            const control = node as HTMLInputElement;
            const named = (control.labels?.length ?? 0) > 0 || control.getAttribute("aria-label") || (control.textContent ?? "").trim() !== "";
            return !named;
          })
          .map((node) => node.outerHTML.slice(0, 80)),
      );
      expect(unlabelled).toEqual([]);
      // Text contrast of every visible text node against its effective background: at least 4.5:1.
      const lowContrast = await page.evaluate(contrastProblems);
      expect(lowContrast).toEqual([]);
      // Keyboard focus is visible: a focused button gets an outline.
      await page.locator("#detail-close").focus();
      await page.keyboard.press("Shift+Tab");
      await page.keyboard.press("Tab");
      expect(await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle)).toBe("solid");

      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: `${ARTIFACTS}inspector-${name}.png` });
      if (name === "phone") {
        await page.locator("#detail").evaluate((node) => node.scrollIntoView({ block: "start" }));
        await page.screenshot({ path: `${ARTIFACTS}inspector-${name}-detail.png` });
      }
      await page.context().close();
    }
    expect(blocked).toEqual([]);
    expect(pageErrors).toEqual([]);
    // The relay logged no error for anything the page did: failed attempts are warnings, and the one
    // error line allowed is the dead letter of the forward that failed for good, by design.
    const errors = logs.map((line) => JSON.parse(line) as { level: string; msg?: string; dead?: boolean }).filter((entry) => entry.level === "error");
    expect(errors.filter((entry) => !(entry.msg === "action failed" && entry.dead === true))).toEqual([]);
  }, 60_000);

  it("pages back with \"Load older\" past the newest 50, and says when nothing handled a delivery", async () => {
    if (stack === undefined) throw new Error("not started");
    // 55 older deliveries that no route handled, straight into the stack's store.
    const payload = runPayloadSchema.parse(JSON.parse(readFileSync(new URL("../fixtures/thread_runs_create.json", import.meta.url), "utf8")));
    const start = Date.now() - 3_600_000;
    for (let n = 0; n < 55; n++) {
      const record = newDeliveryRecord({ ...payload, run_id: `old-run-${n}` }, { receivedAt: new Date(start + n * 1000), auth: "static" });
      record.routing = "no_route";
      await stack.runtime.store.claim(record);
    }
    const total = (await (await fetch(`${stack.url}/api/deliveries?limit=200`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as {
      deliveries: unknown[];
    };
    const page = await signedInPage();
    const rows = page.locator("#list tr.delivery");
    await expect.poll(() => rows.count()).toBe(50);
    await page.locator("#load-older").click();
    await expect.poll(() => rows.count()).toBe(total.deliveries.length);
    expect(await page.locator("#load-older").isHidden()).toBe(true);
    const ids = await rows.evaluateAll((nodes) => nodes.map((node) => (node as HTMLElement).dataset["id"]));
    expect(new Set(ids).size).toBe(ids.length);
    const oldest = rows.last();
    expect(await oldest.getAttribute("data-outcome")).toBe("no_route");
    expect(await oldest.getAttribute("data-run")).toBe("old-run-0");
    // No grey "no route" badge on every row of an empty routes file: a dash, the words for screen readers.
    expect(await oldest.locator(".c-status .badge").count()).toBe(0);
    expect(await oldest.locator(".c-status").textContent()).toBe("— no route");
    expect(await oldest.locator(".c-actions").innerText()).toBe("no action ran");
    // Polling goes on without dropping the older rows.
    await page.waitForTimeout(2500);
    expect(await rows.count()).toBe(total.deliveries.length);
    await page.context().close();
  });

  /** Starts a run through the API (not the page), and returns its ids once its callback was routed. */
  async function routedRun(body: Record<string, unknown>): Promise<{ run_id: string; thread_id: string }> {
    if (stack === undefined) throw new Error("not started");
    const response = await fetch(`${stack.url}/api/trigger`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ assistant_id: "agent", input: { messages: [{ role: "user", content: "Hello!" }] }, ...body }),
    });
    expect(response.status).toBe(202);
    const run = (await response.json()) as { run_id: string; thread_id: string };
    await expect
      .poll(
        async () => {
          const list = await fetch(`${stack?.url ?? ""}/api/deliveries?run_id=${run.run_id}`, { headers: { authorization: `Bearer ${TOKEN}` } });
          return ((await list.json()) as { deliveries: { outcome: string }[] }).deliveries[0]?.outcome;
        },
        { timeout: ARRIVAL_MS },
      )
      .toBe("succeeded");
    return run;
  }

  it("shows a forged callback as rejected in the list and the detail, with no Replay that could route it", async () => {
    if (stack === undefined) throw new Error("not started");
    receiver.respond = () => ({ status: 200 });
    // A genuine run on a thread; the webhook URL LangGraph holds for it is what leaks.
    const genuine = await routedRun({ thread_id: "new" });
    const langgraphRun = (await new Client({ apiUrl: stack.langgraphUrl, apiKey: null }).runs.get(genuine.thread_id, genuine.run_id)) as unknown as {
      kwargs: { webhook: string };
    };
    const leaked = new URL(langgraphRun.kwargs.webhook);
    const leakedToken = leaked.searchParams.get("token") ?? "";
    // The attacker's "success" for a run of its own making on that thread, with its own values.
    const forgedRun = randomUUID();
    const answer = await fetch(leaked, {
      method: "POST",
      body: JSON.stringify({ ...fixture("thread_runs_create"), run_id: forgedRun, thread_id: genuine.thread_id, status: "success", values: { output: "attacker" } }),
    });
    expect(answer.status).toBe(200);

    const page = await signedInPage();
    await waitForOutcome(page, forgedRun, "rejected");
    const item = row(page, forgedRun);
    expect(await item.locator("[data-role=outcome]").innerText()).toBe("rejected");
    expect(await item.locator("[data-role=verdict]").innerText()).toMatch(/^rejected: the token was minted for another run/);
    expect(await item.locator("button.open").getAttribute("aria-label")).toMatch(/^rejected, rejected: the token was minted for another run/);
    // The genuine run beside it reads as delivered, with no verdict line.
    expect(await row(page, genuine.run_id).getAttribute("data-outcome")).toBe("succeeded");
    expect(await row(page, genuine.run_id).locator("[data-role=verdict]").count()).toBe(0);

    await item.locator("button.open").click();
    const verification = page.locator("#detail [data-part=verification]");
    await verification.waitFor();
    expect(await page.locator("#detail .facts [data-role=outcome]").innerText()).toBe("rejected");
    expect(await verification.locator("[data-role=verdict-state]").innerText()).toBe("rejected");
    expect(await verification.locator("[data-role=verdict-reason]").innerText()).toMatch(/^the token was minted for another run/);
    expect(await verification.locator(".verdict-banner").innerText()).toMatch(/routed nowhere/);
    expect(await verification.innerText()).toMatch(/Token\s+id [A-Za-z0-9_-]{8,}/);
    expect(await page.locator("#detail [data-role=not-routed]").innerText()).toMatch(/rejected/);
    // Nothing to replay: no action was ever planned for it.
    expect(await page.locator("#detail button[data-replay], #replay-failed").count()).toBe(0);
    // The new badges, verdict lines and banner are as readable as the rest.
    expect(await page.evaluate(contrastProblems)).toEqual([]);
    await page.locator("#detail").screenshot({ path: `${ARTIFACTS}inspector-rejected.png` });
    // The page never shows the leaked token, and the receiver never saw the forged run.
    expect(await page.content()).not.toContain(leakedToken);
    const forwarded = receiver.requests.map((request) => (request.body as { run?: { run_id?: string } }).run?.run_id);
    expect(forwarded).toContain(genuine.run_id);
    expect(forwarded).not.toContain(forgedRun);
    expect(pageErrors).toEqual([]);
    await page.context().close();
  }, 90_000);

  it("lists and opens deliveries with the read-only INSPECTOR_TOKEN, and shows Replay's 403", async () => {
    receiver.respond = () => ({ status: 200 });
    const run = await routedRun({});
    const page = await openPage();
    await signIn(page, READ_ONLY_TOKEN);
    await page.locator("#app").waitFor({ state: "visible" });
    await waitForOutcome(page, run.run_id, "succeeded");
    await row(page, run.run_id).click();
    const action = page.locator(`#detail li.action[data-action="${FORWARD}"]`);
    await action.waitFor();

    const before = receiver.requests.length;
    await action.locator(`button[data-replay="${FORWARD}"]`).click();
    await page.locator("#replay-status.field-error").waitFor({ timeout: ARRIVAL_MS });
    expect(await page.locator("#replay-status").innerText()).toMatch(/^Replay failed: This token is read-only \(INSPECTOR_TOKEN\)/);
    expect(receiver.requests.length).toBe(before);
    // Still signed in, still listing: a 403 is not a wrong token.
    expect(await page.locator("#app").isVisible()).toBe(true);
    expect(await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY)).toBe(READ_ONLY_TOKEN);
    await page.waitForTimeout(2500);
    expect(await page.locator("#list-status").innerText()).toMatch(/shown/);
    expect(pageErrors).toEqual([]);
    await page.context().close();
  }, 90_000);

  it("says what became of a wait run: a failed one failed (it was started), a paused one paused; each example gets its own input", async () => {
    receiver.respond = () => ({ status: 200 });
    const page = await signedInPage();
    await unfoldRunForm(page);
    // Picking an example puts its own input in the field (the agent's messages mean nothing to hitl).
    await page.locator("#run-assistant").fill("hitl");
    expect(JSON.parse(await page.locator("#run-input").inputValue())).toHaveProperty("input");
    await page.locator("#run-assistant").fill("agent");
    expect(JSON.parse(await page.locator("#run-input").inputValue())).toHaveProperty("messages");

    await startRun(page, { assistant: "error_graph", mode: "wait", thread: "new" });
    await page.locator("#run-status", { hasText: /failed|not started|finished/ }).waitFor({ timeout: ARRIVAL_MS });
    const failed = await page.locator("#run-status").innerText();
    expect(failed).toMatch(/^Run [0-9a-f-]{36} failed: .*boom/);
    expect(failed).not.toContain("not started");

    await startRun(page, { assistant: "hitl", mode: "wait", thread: "new" });
    await page.locator("#run-status", { hasText: /paused|finished/ }).waitFor({ timeout: ARRIVAL_MS });
    expect(await page.locator("#run-status").innerText()).toMatch(/^Run [0-9a-f-]{36} paused, waiting on a human/);
    await page.context().close();
  }, 90_000);

  it("resumes a paused hitl run from its delivery: what it asks, Approve, the decision recorded, and a second tab's answer refused", async () => {
    receiver.respond = () => ({ status: 200 });
    const page = await signedInPage();
    await unfoldRunForm(page);
    // The hitl example needs a thread to pause on: choosing it picks thread "new".
    await page.locator("#run-assistant").fill("hitl");
    expect(await page.locator("input[name=thread][value=new]").isChecked()).toBe(true);
    await page.locator("#run-input").fill(JSON.stringify({ input: "refund 120" }));
    await page.locator("#run-submit").click();
    const runId = await runIdOfAnswer(page);
    await page.locator(`#list tr.delivery[data-run="${runId}"][data-event="run.paused"]`).waitFor({ timeout: ARRIVAL_MS });
    await row(page, runId).locator("button.open").click();
    const pause = page.locator("#detail [data-part=pause]");
    await pause.waitFor();
    expect(await pause.locator(".ask-fields").innerText()).toMatch(/question\s+Approve\?\s+input\s+refund 120/);

    // A second tab has the same pause open, and will answer too late: its refreshes of the delivery
    // are held back (as on a flaky network), so it still shows the form when the first tab has answered.
    const other = await signedInPage();
    await row(other, runId).locator("button.open").click();
    await other.locator("#detail #resume-form").waitFor();
    const detailReads = (url: URL) => url.pathname === "/api/deliveries" && url.searchParams.has("id") && !url.searchParams.has("resume");
    await other.route(detailReads, (route) => (route.request().method() === "GET" ? route.abort() : route.continue()));

    await pause.locator("button[data-decision=approve]").click();
    await page.locator("#resume-status", { hasText: /^Approved: the thread goes on as run [0-9a-f-]{36}\.$/ }).waitFor({ timeout: ARRIVAL_MS });
    const resumedRun = /run ([0-9a-f-]{36})/.exec(await page.locator("#resume-status").innerText())?.[1] ?? "";
    const decision = page.locator("#detail [data-part=decisions] li");
    expect(await decision.innerText()).toMatch(new RegExp(`^approved in the inspector · .+ · resumed run ${resumedRun}$`));
    expect(await page.locator("#detail #resume-form").count()).toBe(0);
    await page.locator("#detail").screenshot({ path: `${ARTIFACTS}inspector-resumed.png` });
    // The resumed run ends, and its callback arrives like any other.
    await waitForOutcome(page, resumedRun, "succeeded");

    await other.locator("#detail button[data-decision=reject]").click();
    await other.locator("#resume-status.field-error").waitFor({ timeout: ARRIVAL_MS });
    expect(await other.locator("#resume-status").innerText()).toMatch(/^Resume failed: .*already .*approved/);
    // Once it can read again, it shows the decision, and no form.
    await other.unroute(detailReads);
    await other.locator("#detail [data-part=decisions]").waitFor({ timeout: ARRIVAL_MS });
    expect(await other.locator("#detail #resume-form").count()).toBe(0);
    expect(pageErrors).toEqual([]);
    await other.context().close();
    await page.context().close();
  }, 90_000);

  it("shows the tool calls a LangChain human-in-the-loop pause asks about, and Reject answers each of them", async () => {
    receiver.respond = () => ({ status: 200 });
    const page = await signedInPage();
    await unfoldRunForm(page);
    await page.locator("#run-assistant").fill("hitl_tools");
    expect(await page.locator("input[name=thread][value=new]").isChecked()).toBe(true);
    await page.locator("#run-input").fill(JSON.stringify({ to: "ops@example.com" }));
    await page.locator("#run-submit").click();
    const runId = await runIdOfAnswer(page);
    await page.locator(`#list tr.delivery[data-run="${runId}"][data-event="run.paused"]`).waitFor({ timeout: ARRIVAL_MS });
    await row(page, runId).locator("button.open").click();
    const requests = page.locator("#detail [data-part=pause] .requests > li");
    await requests.first().waitFor();
    expect(await requests.evaluateAll((nodes) => nodes.map((node) => (node as HTMLElement).dataset["request"]))).toEqual(["send_email", "delete_file"]);
    expect(await requests.nth(0).innerText()).toMatch(/^send_email · may be: approve, edit, reject\s+Tool execution requires approval[\s\S]*to\s+ops@example\.com\s+subject\s+Weekly report/);
    expect(await requests.nth(1).innerText()).toMatch(/^delete_file · may be: approve, reject[\s\S]*path\s+\/tmp\/report\.csv/);

    await page.locator("#detail button[data-decision=reject]").click();
    await page.locator("#resume-status", { hasText: /^Rejected: the thread goes on as run [0-9a-f-]{36}\.$/ }).waitFor({ timeout: ARRIVAL_MS });
    const resumedRun = /run ([0-9a-f-]{36})/.exec(await page.locator("#resume-status").innerText())?.[1] ?? "";
    // The resumed run ends as the middleware would: each tool call rejected, none executed.
    await waitForOutcome(page, resumedRun, "succeeded");
    await row(page, resumedRun).locator("button.open").click();
    await page.locator(`#detail-title .delivery-id`).waitFor();
    await expect.poll(async () => JSON.parse((await page.locator("#detail [data-part=raw-payload]").textContent()) ?? "{}").run_id).toBe(resumedRun);
    const payload = JSON.parse((await page.locator("#detail [data-part=raw-payload]").textContent()) ?? "{}") as { values: { executed: string[]; rejected: { name: string }[] } };
    expect(payload.values.executed).toEqual([]);
    expect(payload.values.rejected.map((item) => item.name)).toEqual(["send_email", "delete_file"]);
    expect(pageErrors).toEqual([]);
    await page.context().close();
  }, 90_000);

  it("offers the modes of the relay's schema: cron shows its fields, and the local server's 501 is said plainly", async () => {
    const page = await signedInPage();
    // The radios come from GET /api/openapi.json's TriggerRequest: cron is added beside the page's own.
    const cron = page.locator("input[name=mode][value=cron]");
    await cron.waitFor({ state: "attached" });
    await page.locator("#list tr.delivery").first().waitFor();
    await unfoldRunForm(page);
    expect(await page.locator("input[name=mode]").evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).value))).toEqual([
      "create",
      "wait",
      "stream",
      "cron",
    ]);
    expect(await page.locator("#run-cron").isHidden()).toBe(true);
    await cron.check();
    await page.locator("#run-cron").waitFor({ state: "visible" });
    expect(await page.locator("#run-schedule").getAttribute("placeholder")).toBe("0 9 * * 1");
    expect(await page.locator("#run-schedule").getAttribute("title")).toMatch(/cron expression/);

    await page.locator("#run-submit").click();
    expect(await page.locator("#run-status").innerText()).toMatch(/Enter a schedule/);
    await page.locator("#run-schedule").fill("0 9 * * funday");
    await page.locator("#run-submit").click();
    await expect.poll(() => page.locator("#run-status").innerText()).toMatch(/^The cron was not created: .*day of week.*\(HTTP 400\)$/);
    await page.locator("#run-schedule").fill("0 9 * * 1");
    await page.locator("#run-timezone").fill("Europe/Paris");
    await page.locator("#run-submit").click();
    await expect.poll(() => page.locator("#run-status").innerText()).toMatch(/^The cron was not created: .*crons need a LangGraph Platform deployment.*\(HTTP 501\)$/);
    expect(pageErrors).toEqual([]);
    await page.context().close();
  });

  // Last: it stops the embedded LangGraph server.
  it("says in the page when the embedded LangGraph server has stopped", async () => {
    if (stack === undefined) throw new Error("not started");
    const page = await signedInPage();
    await page.waitForResponse((response) => new URL(response.url()).pathname === "/api/dev");
    expect(stack.langgraphPid).toBeGreaterThan(0);
    // Its whole process group, as a crash or an OOM kill would take it.
    process.kill(-(stack.langgraphPid as number), "SIGKILL");
    const notice = page.locator("#dev-notice[data-kind=error]");
    await notice.waitFor({ timeout: 20_000 });
    expect(await notice.innerText()).toMatch(/^The embedded LangGraph server stopped: runs cannot start or resume\./);
    expect(await page.evaluate(contrastProblems)).toEqual([]);
    await page.context().close();
  });
});
