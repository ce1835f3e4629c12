/**
 * Example graph `hitl` (human in the loop): the run pauses at `interrupt()` asking
 * `{question: "Approve?", input}`. That run still ends with status `success`; only the thread's state
 * shows it is waiting (`next: ["ask"]`, `tasks[0].interrupts[0].value`). Resuming the thread with
 * `command: {resume: <answer>}` finishes it with `answer: <answer>` in the values.
 *
 * With `{"parallel": true}` in the input, a second node (`confirm`) asks `{question: "Confirm?"}` at
 * the same time: two interrupts wait at once, and a resume answers each by its interrupt id —
 * `command: {resume: {<id of ask's interrupt>: …, <id of confirm's>: …}}` — filling `answer` and
 * `confirmation`.
 *
 * Interrupts need a checkpointer: the LangGraph server attaches its own to every graph, so the graph
 * is compiled without one, and it must run on a thread (a stateless run cannot be resumed).
 */
import { Annotation, END, interrupt, START, StateGraph } from "@langchain/langgraph";

const HitlState = Annotation.Root({
  input: Annotation<string | undefined>(),
  /** Ask a second question in parallel (two interrupts at once). */
  parallel: Annotation<boolean | undefined>(),
  /** Whatever the human resumed the run with. */
  answer: Annotation<unknown>(),
  /** The second answer, with `parallel`. */
  confirmation: Annotation<unknown>(),
});

/** The payload a client sees in `tasks[].interrupts[].value` while the thread waits. */
export interface ApprovalRequest {
  question: string;
  input: string | undefined;
}

function ask(state: typeof HitlState.State): Partial<typeof HitlState.State> {
  // On resume the node runs again from the top and interrupt() returns the resume value instead.
  const answer: unknown = interrupt<ApprovalRequest, unknown>({
    question: "Approve?",
    input: state.input,
  });
  return { answer };
}

function confirm(): Partial<typeof HitlState.State> {
  const confirmation: unknown = interrupt<{ question: string }, unknown>({ question: "Confirm?" });
  return { confirmation };
}

export const graph = new StateGraph(HitlState)
  .addNode("ask", ask)
  .addNode("confirm", confirm)
  .addConditionalEdges(START, (state) => (state.parallel === true ? ["ask", "confirm"] : ["ask"]), ["ask", "confirm"])
  .addEdge("ask", END)
  .addEdge("confirm", END)
  .compile();
