// Reads a text/event-stream response body (the stream mode of /api/trigger) as messages, as the
// bytes arrive.

/**
 * Parses a text/event-stream body into {event, data, id} messages as the bytes arrive: messages end
 * at a blank line; `data:` lines join with "\n"; comment lines (": keep-alive") are skipped.
 */
export async function* sseMessages(stream) {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.search(/\r\n\r\n|\n\n|\r\r/)) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^(\r\n\r\n|\n\n|\r\r)/, "");
        const message = parseSseBlock(block);
        if (message !== null) yield message;
      }
    }
    const last = parseSseBlock(buffer);
    if (last !== null) yield last;
  } finally {
    reader.releaseLock();
  }
}

function parseSseBlock(block) {
  let event = "message";
  let id;
  const data = [];
  let any = false;
  for (const line of block.split(/\r\n|\n|\r/)) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
    else if (field === "id") id = value;
    else continue;
    any = true;
  }
  return any ? { event, data: data.join("\n"), id } : null;
}
