export {
  createOpenAIProvider,
  type GenerateOptions,
  type ModelProvider,
  type OpenAIProviderOptions,
} from './client.js';
export { kindForStatus } from './classify.js';
export { stripTrailingCitations } from './citations.js';
export { outputText } from './wire-shapes.js';
