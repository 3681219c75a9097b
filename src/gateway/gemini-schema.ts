import { z } from "zod";

/**
 * The body of the Gemini API's `generateContent` and `streamGenerateContent` (camelCase, as the
 * @google/genai SDK under Gemini CLI sends it). Loose objects: the translation (gemini-request.ts) ignores
 * what cannot change the answer (thought signatures, thinking and sampling hints, safety settings) and
 * refuses the rest.
 */

const functionCall = z.looseObject({ id: z.string().optional(), name: z.string().min(1), args: z.record(z.string(), z.unknown()).optional() });
const functionResponse = z.looseObject({ id: z.string().optional(), name: z.string().min(1), response: z.record(z.string(), z.unknown()).optional() });

export const geminiPartSchema = z.looseObject({
  text: z.string().optional(),
  thought: z.boolean().optional(),
  thoughtSignature: z.string().optional(),
  functionCall: functionCall.optional(),
  functionResponse: functionResponse.optional(),
});
export type GeminiPart = z.infer<typeof geminiPartSchema>;

const content = z.looseObject({ role: z.string().optional(), parts: z.array(geminiPartSchema) });
export type GeminiContent = z.infer<typeof content>;

const GEMINI_FUNCTION_NAME = /^[a-zA-Z_][a-zA-Z0-9_.:-]{0,127}$/;

const functionDeclaration = z.looseObject({
  name: z.string().regex(GEMINI_FUNCTION_NAME, "use a letter or '_' then up to 127 letters, digits, '_', '.', ':' or '-' for a function's name"),
  description: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  parametersJsonSchema: z.record(z.string(), z.unknown()).optional(),
});

const tool = z.looseObject({ functionDeclarations: z.array(functionDeclaration).optional() });

export const geminiRequestSchema = z.looseObject({
  /** The SDK may repeat the path's model in the body; the path decides. */
  model: z.string().optional(),
  contents: z.array(content),
  systemInstruction: z.union([z.string(), content]).optional(),
  tools: z.array(tool).optional(),
  toolConfig: z.looseObject({ functionCallingConfig: z.looseObject({ mode: z.string().optional() }).optional() }).optional(),
  generationConfig: z
    .looseObject({
      temperature: z.number().min(0).max(2).optional(),
      maxOutputTokens: z.number().int().positive().optional(),
      stopSequences: z.array(z.string()).optional(),
      candidateCount: z.number().int().positive().optional(),
      seed: z.number().int().optional(),
      responseMimeType: z.string().optional(),
      responseSchema: z.record(z.string(), z.unknown()).optional(),
      responseJsonSchema: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
});
export type GeminiRequest = z.infer<typeof geminiRequestSchema>;

/** `countTokens`: the contents themselves, or a whole generateContent request. */
export const geminiCountTokensSchema = z.looseObject({
  contents: z.array(content).optional(),
  generateContentRequest: geminiRequestSchema.optional(),
});
