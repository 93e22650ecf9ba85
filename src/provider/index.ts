export {
  createOpenAIProvider,
  type GenerateOptions,
  type ModelProvider,
  type OpenAIProviderOptions,
} from './client.js';
export { classifyError } from './classify.js';
export { stripTrailingCitations } from './citations.js';
