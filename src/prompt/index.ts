export { loadTemplate, parseTemplate, renderTemplate, DEFAULT_TEMPLATE_PATH, type PromptTemplate } from './template.js';
export {
  artistVariables,
  createRequestBuilder,
  FALLBACK_MODEL,
  NO_DATA_TEXT,
  type ChatBody,
  type PreparedRequest,
  type PromptSource,
  type RequestBuilder,
  type ResponsesBody,
} from './builders.js';
export { isOpenAiOrigin, storedPromptRefusal, STORED_PROMPTS_SHUT_DOWN } from './stored-prompt-retired.js';
