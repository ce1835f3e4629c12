// The redrive control beside the filters: schedules every dead action again — all of them, or those of
// the route, event and "since" chosen in the filters — through POST /api/deliveries?replay=1&
// action_state=failed. The relay bounds each request and says when more remain. The list's refresh
// afterwards is main.js's (hooks).
import { ApiError, redrive } from "./api.js";
import { $, announce } from "./dom.js";
import { redriveQuery } from "./filters.js";

const hooks = {
  /** Dead actions were scheduled again (the list reloads). */
  onChange: () => {},
};

export function initRedrive({ onChange }) {
  hooks.onChange = onChange;
  $("redrive").addEventListener("click", () => void run());
  for (const id of ["filter-route", "filter-event", "filter-since"]) $(id).addEventListener("input", describe);
  $("filters").addEventListener("reset", () => setTimeout(describe, 0));
  describe();
}

/** Says on the button which dead actions it schedules again. */
function describe() {
  const params = redriveQuery();
  const scope = [
    params.has("route") ? `route ${params.get("route")}` : null,
    params.has("event") ? params.get("event") : null,
    params.has("since") ? `since ${$("filter-since").selectedOptions[0]?.textContent?.toLowerCase() ?? "then"}` : null,
  ].filter(Boolean);
  $("redrive").textContent = scope.length === 0 ? "Redrive all dead actions" : `Redrive dead actions (${scope.join(", ")})`;
}

function status(text, isError = false) {
  const node = $("redrive-status");
  node.textContent = text;
  node.hidden = text === "";
  node.classList.toggle("field-error", isError);
}

async function run() {
  const button = $("redrive");
  button.disabled = true;
  status("Scheduling the dead actions again…");
  try {
    const answer = await redrive(redriveQuery());
    const count = Number(answer.redriven) || 0;
    const deliveries = Array.isArray(answer.deliveries) ? answer.deliveries.length : 0;
    const text = count === 0
      ? "No dead action matched: nothing to redrive."
      : `Redriven ${count} action${count === 1 ? "" : "s"} of ${deliveries} deliver${deliveries === 1 ? "y" : "ies"}: their attempts run now.${answer.more ? " More dead actions remain: redrive again." : ""}`;
    status(text);
    announce(text);
    hooks.onChange();
  } catch (error) {
    if (error instanceof ApiError && error.status !== 401) status(`Redrive failed: ${error.message}`, true);
  } finally {
    button.disabled = false;
  }
}
