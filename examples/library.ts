import {
  createOpenAIProvider, createRequestBuilder, loadTemplate, openQuotaGate,
  Runner, RunEmitter, startSimulator, systemClock,
} from '../src/index.js';

const sim = await startSimulator({ rpm: 600 });
const clock = systemClock;
const events = new RunEmitter();
const builder = createRequestBuilder({ kind: 'template', template: await loadTemplate() }, 'responses');
const provider = createOpenAIProvider({ apiKey: 'sk-sim', baseURL: sim.url, clock });
// Every setting left out takes the CLI's default: auto concurrency, threshold 0.8, 5 retries…
const gate = await openQuotaGate({ statePath: 'state.json', dailyLimit: 100 }, { clock, events });
const runner = new Runner({
  provider, builder, gate, events, clock,
  sink: {
    success: (record) => console.log(record.artist_name, '→', record.response_text.slice(0, 60)),
    failure: (record) => console.error(record.artist_name, record.message),
  },
});
const artists = [
  { id: '1', name: 'Nina Simone', data: undefined, line: 1 },
  { id: '2', name: 'Fela Kuti', data: 'Afrobeat pioneer', line: 2 },
];
console.log(await runner.run(artists)); // an array, or any async iterable of artists
await gate.close();
await sim.close();
