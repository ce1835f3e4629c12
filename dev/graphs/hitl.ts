/**
 * Example graph `hitl` (human in the loop): the run pauses at `interrupt()` asking
 * `{question: "Approve?", input}`. That run still ends with status `success`; only the thread's state
 * shows it is waiting (`next: ["ask"]`, `tasks[0].interrupts[0].value`). Resuming the thread with
 * `command: {resume: <answer>}` finishes it with `answer: <answer>` in the values.
 *
 * Interrupts need a checkpointer: the LangGraph server attaches its own to every graph, so the graph
 * is compiled without one, and it must run on a thread (a stateless run cannot be resumed).
 */
import { Annotation, END, interrupt, START, StateGraph } from "@langchain/langgraph";

const HitlState = Annotation.Root({
  input: Annotation<string | undefined>(),
  /** Whatever the human resumed the run with. */
  answer: Annotation<unknown>(),
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

export const graph = new StateGraph(HitlState)
  .addNode("ask", ask)
  .addEdge(START, "ask")
  .addEdge("ask", END)
  .compile();
