// What a failed LangGraph call means for the relay's caller, decided in one place for /api/trigger and
// /api/crons:
// - LangGraph said no (4xx: unknown assistant, invalid input, busy thread) → that status, passed on
//   as `langgraph_rejected` with LangGraph's own explanation: the caller can fix the request.
// - except 401/403/407: those judge the relay's LANGSMITH_API_KEY, not the caller's TRIGGER_TOKEN, so
//   they are 502 — passing them on would send the caller hunting for the wrong credential.
// - LangGraph failed, timed out or is unreachable → 502 `upstream_error` with its status and message.
// Messages are trimmed and scrubbed of the secrets the relay sent (webhook tokens, bypass secret).
import { RelayError } from "../shared/errors.js";
import { asRecord } from "../shared/json.js";
import { scrub } from "../shared/scrub.js";

const MAX_DETAIL = 300;

/** The SDK's HTTPError, recognised by shape (the class is not exported). */
interface HttpErrorLike {
  status: number;
  text?: unknown;
  message: string;
}

function isHttpError(error: unknown): error is HttpErrorLike {
  if (!(error instanceof Error)) return false;
  const status: unknown = (error as Error & { status?: unknown }).status;
  return typeof status === "number" && Number.isInteger(status);
}


/** One readable line out of the error bodies LangGraph servers send (JS: text or zod; Python: detail). */
export function describeUpstreamBody(text: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text.trim();
  }
  const body = asRecord(parsed);
  if (body === undefined) return text.trim();
  // Python (FastAPI): {"detail": "..."} or {"detail": [{"loc": [...], "msg": "..."}]}.
  const detail = body["detail"];
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((item) => {
        const record = asRecord(item);
        const loc = Array.isArray(record?.["loc"]) ? (record["loc"] as unknown[]).join(".") : "";
        return `${loc}${loc === "" ? "" : ": "}${String(record?.["msg"] ?? "invalid")}`;
      })
      .join("; ");
  }
  // JS server (hono + zod): {"success": false, "error": {"issues": [{"path": [...], "message": "..."}]}}.
  const issues = asRecord(body["error"])?.["issues"];
  if (Array.isArray(issues)) {
    return issues
      .map((issue) => {
        const record = asRecord(issue);
        const path = Array.isArray(record?.["path"]) ? (record["path"] as unknown[]).join(".") : "";
        return `${path === "" ? "(body)" : path}: ${String(record?.["message"] ?? "invalid")}`;
      })
      .join("; ");
  }
  // {"error": "...", "message": "..."}, where message may itself be such a JSON string.
  const message = body["message"];
  if (typeof message === "string") return message.startsWith("{") ? describeUpstreamBody(message) : message;
  if (typeof body["error"] === "string") return body["error"];
  return text.trim();
}

export { scrub };

/** Maps anything a LangGraph SDK call threw to the RelayError the caller gets. */
export function upstreamError(error: unknown, secrets: readonly string[] = []): RelayError {
  if (error instanceof RelayError) return error;
  if (isHttpError(error)) {
    const { status } = error;
    const detail = scrub(describeUpstreamBody(typeof error.text === "string" ? error.text : error.message), secrets);
    if (status === 401 || status === 403 || status === 407) {
      return new RelayError(
        502,
        "upstream_error",
        `LangGraph refused the relay's credentials (HTTP ${status}): ${detail}. Check LANGSMITH_API_KEY and LANGGRAPH_API_URL.`,
        { cause: error },
      );
    }
    // A server without the feature (the local JS server has no crons and says so only this way when
    // its /info is silent): 501 naming the alternative, not a 502 that reads like an outage.
    if ((status === 500 || status === 501) && /^not implemented\.?$/i.test(detail)) {
      return new RelayError(
        501,
        "not_implemented",
        `This LangGraph server does not implement this (it answered HTTP ${status} "${detail}"; the local server of \`npm run dev\` has no crons): ` +
          "point LANGGRAPH_API_URL at a LangGraph Platform deployment, or start runs with mode create on a schedule of your own.",
        { cause: error },
      );
    }
    if (status >= 400 && status < 500) {
      return new RelayError(status, "langgraph_rejected", `LangGraph rejected the request (HTTP ${status}): ${detail}`, {
        cause: error,
      });
    }
    return new RelayError(502, "upstream_error", `LangGraph failed (HTTP ${status}): ${detail}`, { cause: error });
  }
  if (error instanceof Error) {
    const text = `${error.name} ${error.message}`;
    if (/TimeoutError|AbortError/.test(text)) {
      return new RelayError(502, "upstream_error", "LangGraph did not answer in time.", { cause: error });
    }
    if (/ConnectionError|fetch failed|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|socket/i.test(text)) {
      return new RelayError(502, "upstream_error", "LangGraph is unreachable: check LANGGRAPH_API_URL and that the deployment is up.", {
        cause: error,
      });
    }
    return new RelayError(502, "upstream_error", `The call to LangGraph failed: ${scrub(error.message, secrets)}`, {
      cause: error,
    });
  }
  return new RelayError(502, "upstream_error", "The call to LangGraph failed.", { cause: error });
}
