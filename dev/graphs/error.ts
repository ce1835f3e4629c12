/**
 * Example graph `error_graph`: always fails, so that callers can see how a failed run is reported
 * (run status `error`, webhook `error` field). The message names the input so that a test can tell
 * its own failure from another: `boom for input=<input>` (as in test/fixtures/error_graph_create.json).
 */
import { HumanMessage } from "@langchain/core/messages";
import { Annotation, END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";

const ErrorState = Annotation.Root({
  ...MessagesAnnotation.spec,
  input: Annotation<string | undefined>(),
});

function fail(state: typeof ErrorState.State): never {
  const lastUser = state.messages.filter((message) => HumanMessage.isInstance(message)).at(-1);
  const input = state.input ?? lastUser?.text ?? "";
  throw new Error(`boom for input=${input}`);
}

export const graph = new StateGraph(ErrorState)
  .addNode("fail", fail)
  .addEdge(START, "fail")
  .addEdge("fail", END)
  .compile();
