import OpenAI from "openai";
import type { Message } from "../../src/core/index.js";
import { OpenAIResponsesClient } from "../../src/models/providers/openai/openai-responses-client.js";
import { ResponsesSocket } from "../../src/models/providers/openai/responses-socket.js";
import type { Item, RolloutScript } from "./rollout.js";

/** The redirect as the session sends it. */
const redirect: Message = { role: "user", content: "Stop there. Summarise the task in one line instead." };

/** Spark's own Responses client on the gateway's socket, as `spark --server` opens it. */
function socketClient(baseUrl: string, model: string): OpenAIResponsesClient {
  const url = `${baseUrl}/v1`;
  return new OpenAIResponsesClient(new OpenAI({ apiKey: "none", baseURL: url, maxRetries: 0 }), { baseUrl: url, model, provider: "custom" }, model, new ResponsesSocket({ baseUrl: url, apiKey: undefined }));
}

function messagesOf(script: RolloutScript, items: Item[]): Message[] {
  return [{ role: "system", content: script.instructions }, ...(items as Message[])];
}

/**
 * A redirect from the session's code path (ModelClient.stream and steer, without the terminal): `steer`
 * sends `response.steer` into the streaming answer; without it the session aborts the call and streams
 * the conversation again with the partial answer and the redirect. Milliseconds from the redirect to the
 * first token of its answer.
 */
export async function redirectFromClient(baseUrl: string, script: RolloutScript, items: Item[], steer: boolean): Promise<number> {
  const client = socketClient(baseUrl, script.model);
  const messages = messagesOf(script, items);
  const controller = new AbortController();
  let sentAt: number | undefined;
  let partial = "";
  let answered: number | undefined;
  let steered = false;
  try {
    for await (const event of client.stream({ messages, maxTokens: 200 }, { signal: controller.signal })) {
      if (event.type === "steered") steered = true;
      if (event.type !== "text-delta") continue;
      if (sentAt === undefined) {
        partial = event.text;
        sentAt = performance.now();
        if (!steer) controller.abort();
        else if (!(await client.steer([redirect]))) throw new Error("the gateway did not take the steer");
      } else if (steered) {
        answered = performance.now();
        controller.abort();
      }
    }
    if (!steer && sentAt !== undefined) {
      for await (const event of client.stream({ messages: [...messages, { role: "assistant", content: partial }, redirect], maxTokens: 1 })) {
        if (event.type === "text-delta" && answered === undefined) answered = performance.now();
      }
    }
    if (sentAt === undefined || answered === undefined) throw new Error("the redirect was never answered");
    return answered - sentAt;
  } finally {
    await client.close();
  }
}
