/**
 * Example graph `agent`: a deterministic echo "agent" with no LLM, so that the embedded LangGraph
 * server answers LangGraph's documented example input without an API key or network.
 *
 *   input  {"messages": [{"role": "user", "content": "Hello!"}]}
 *   values {"messages": [<human "Hello!">, <ai "echo: Hello!">], "input": "Hello!", "output": "echo: Hello!"}
 *
 * A plain `{"input": "x"}` is echoed too (`output: "echo: x"`, no messages), which is what the
 * captured fixtures in test/fixtures were recorded with.
 *
 * Two nodes, `receive` then `respond`, with an optional sleep between them (`delay_ms` in the input,
 * or `config.configurable.delay_ms`): a test can then show that a streamed run delivers its first
 * events before the run ends.
 */
import { AIMessage, type BaseMessage, HumanMessage } from "@langchain/core/messages";
import {
  Annotation,
  END,
  type LangGraphRunnableConfig,
  MessagesAnnotation,
  START,
  StateGraph,
} from "@langchain/langgraph";

/** Upper bound for `delay_ms`, so that a typo cannot park a queue worker for hours. */
const MAX_DELAY_MS = 60_000;

const AgentState = Annotation.Root({
  ...MessagesAnnotation.spec,
  /** The text being echoed: given directly, or taken from the last user message. */
  input: Annotation<string | undefined>(),
  output: Annotation<string | undefined>(),
  /** Pause between the two nodes, in milliseconds (optional). */
  delay_ms: Annotation<number | undefined>(),
});

type AgentStateType = typeof AgentState.State;

/** The last user message's text, if the run was given messages. */
function lastUserText(messages: readonly BaseMessage[]): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message !== undefined && HumanMessage.isInstance(message)) return message.text;
  }
  return undefined;
}

function delayFrom(state: AgentStateType, config: LangGraphRunnableConfig): number {
  const raw: unknown = state.delay_ms ?? config.configurable?.["delay_ms"];
  const value = typeof raw === "string" ? Number(raw) : raw;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) return 0;
  return Math.min(value, MAX_DELAY_MS);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    // Cancelling a run aborts its signal: stop sleeping so the worker is freed at once.
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}

/** Step 1: settle what to echo. Its update is the first `values`/`updates` event after the input. */
function receive(state: AgentStateType): Partial<AgentStateType> {
  const text = lastUserText(state.messages) ?? state.input ?? "";
  return { input: text };
}

/** Step 2: after the optional delay, reply in the shape the input came in. */
async function respond(
  state: AgentStateType,
  config: LangGraphRunnableConfig,
): Promise<Partial<AgentStateType>> {
  await sleep(delayFrom(state, config), config.signal);
  const output = `echo: ${state.input ?? ""}`;
  const repliesWithMessage = lastUserText(state.messages) !== undefined;
  return repliesWithMessage ? { output, messages: [new AIMessage(output)] } : { output };
}

export const graph = new StateGraph(AgentState)
  .addNode("receive", receive)
  .addNode("respond", respond)
  .addEdge(START, "receive")
  .addEdge("receive", "respond")
  .addEdge("respond", END)
  .compile();
