/**
 * Example graph `hitl_tools`: pauses the way LangChain's human-in-the-loop middleware does
 * (`humanInTheLoopMiddleware` in `langchain`), without a model. The middleware needs a chat model to
 * propose tool calls; this graph proposes two fixed ones and asks about them with the middleware's own
 * interrupt value — `{actionRequests: [{name, args, description}], reviewConfigs: [{actionName,
 * allowedDecisions}]}` — and checks the answer as the middleware does: `{decisions: [...]}`, one per
 * request, each of a type its review config allows (else the run fails, as the middleware throws).
 * Approved calls are "executed" (named in `executed`), rejected ones answered with their message.
 *
 *   input   {"to": "ops@example.com"}   (optional)
 *   resume  {"decisions": [{"type": "approve"}, {"type": "reject", "message": "not today"}]}
 *   values  {"executed": ["send_email"], "rejected": [{"name": "delete_file", "message": "not today"}], ...}
 */
import { Annotation, END, interrupt, START, StateGraph } from "@langchain/langgraph";

const State = Annotation.Root({
  to: Annotation<string | undefined>(),
  executed: Annotation<string[] | undefined>(),
  rejected: Annotation<{ name: string; message: string }[] | undefined>(),
});

/** The middleware's request shape (langchain's HITLRequest). */
interface HitlRequest {
  actionRequests: { name: string; args: Record<string, unknown>; description?: string }[];
  reviewConfigs: { actionName: string; allowedDecisions: ("approve" | "edit" | "reject")[] }[];
}

type Decision = { type: "approve" } | { type: "reject"; message?: string } | { type: "edit"; editedAction: { name: string; args: Record<string, unknown> } };

function review(state: typeof State.State): Partial<typeof State.State> {
  const request: HitlRequest = {
    actionRequests: [
      { name: "send_email", args: { to: state.to ?? "ops@example.com", subject: "Weekly report" }, description: "Tool execution requires approval\n\nTool: send_email" },
      { name: "delete_file", args: { path: "/tmp/report.csv" }, description: "Tool execution requires approval\n\nTool: delete_file" },
    ],
    reviewConfigs: [
      { actionName: "send_email", allowedDecisions: ["approve", "edit", "reject"] },
      { actionName: "delete_file", allowedDecisions: ["approve", "reject"] },
    ],
  };
  const response = interrupt<HitlRequest, { decisions?: Decision[] }>(request);
  const decisions = response?.decisions;
  if (!Array.isArray(decisions) || decisions.length !== request.actionRequests.length) {
    throw new Error(`Number of human decisions (${Array.isArray(decisions) ? decisions.length : "none"}) does not match number of hanging tool calls (${request.actionRequests.length}).`);
  }
  const executed: string[] = [];
  const rejected: { name: string; message: string }[] = [];
  decisions.forEach((decision, index) => {
    const action = request.actionRequests[index]!;
    const allowed = request.reviewConfigs.find((config) => config.actionName === action.name)?.allowedDecisions ?? [];
    if (!allowed.includes(decision.type)) throw new Error(`Decision type '${decision.type}' is not allowed for tool '${action.name}'.`);
    if (decision.type === "reject") rejected.push({ name: action.name, message: decision.message ?? `User rejected the tool call for \`${action.name}\`` });
    else executed.push(decision.type === "edit" ? decision.editedAction.name : action.name);
  });
  return { executed, rejected };
}

export const graph = new StateGraph(State).addNode("review", review).addEdge(START, "review").addEdge("review", END).compile();
