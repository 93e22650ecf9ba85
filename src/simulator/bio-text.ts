/**
 * Deterministic biography text: the same artist name and data always give the same few
 * sentences, which name the artist and read like a plausible bio.
 */
import { createPrng, hashString } from './prng.js';

const ADJECTIVES = ['genre-blurring', 'restless', 'widely admired', 'quietly influential', 'inventive', 'soulful'];
const GENRES = ['indie pop', 'jazz', 'electronic', 'folk', 'hip-hop', 'alternative rock', 'R&B', 'ambient'];
const ROLES = ['songwriter', 'producer', 'performer', 'multi-instrumentalist', 'vocalist', 'composer'];
const TRAITS = [
  'intimate lyrics and unexpected arrangements',
  'a warm, unmistakable voice',
  'records that reward repeated listening',
  'electrifying live shows',
  'a careful ear for texture and space',
];
const ORIGINS = [
  'a small-town music scene',
  'late-night sessions in shared rehearsal rooms',
  'a childhood spent between two cultures',
  'the open-mic circuit',
  'a family of amateur musicians',
];
const EARLY = [
  'built a following one self-released recording at a time',
  'spent years refining a sound before the first official release',
  'caught early attention through word of mouth and college radio',
  'started out collaborating with friends before stepping forward as a solo act',
];
const ACHIEVEMENTS = [
  'toured widely and shared stages with artists across several genres',
  'released a string of records that critics placed on year-end lists',
  'written for and produced other musicians while keeping a distinct voice',
  'drawn a devoted audience that spans generations',
];
const QUALITIES = ['emotional honesty', 'a sense of place', 'patient craftsmanship', 'playful curiosity'];
const ONGOING = [
  'write, record and perform with the same curiosity that marked the early work',
  'explore new collaborations while staying rooted in a personal sound',
  'tour and develop new material for an eagerly awaited next release',
];

/** Text that carries no information about the artist. */
const PLACEHOLDER_DATA = /^\s*(no additional data provided)?\s*$/i;

/**
 * Writes a bio for `name`. `data` (the artist's data, when the request states it) varies the
 * wording and, when it is short plain text, is quoted.
 */
export function generateBio(name: string, data: string | undefined): string {
  const random = createPrng(hashString(`${name}\u0000${data ?? ''}`));
  const pick = <T>(list: readonly T[]): T => {
    const item = list[Math.floor(random() * list.length)];
    if (item === undefined) throw new RangeError('pick() needs a non-empty list');
    return item;
  };
  const sentences = [
    `${name} is ${withArticle(pick(ADJECTIVES))} ${pick(GENRES)} ${pick(ROLES)} known for ${pick(TRAITS)}.`,
    `Shaped by ${pick(ORIGINS)}, ${name} ${pick(EARLY)}.`,
    `Since then, ${name} has ${pick(ACHIEVEMENTS)}.`,
    `Listeners and critics alike point to ${pick(QUALITIES)} as the thread running through the catalog.`,
  ];
  const note = (data ?? '').trim();
  if (!PLACEHOLDER_DATA.test(note) && note.length <= 160 && !/[{}[\]]/.test(note)) {
    sentences.push(`Profile notes describe the artist as follows: ${note.replace(/[.\s]+$/, '')}.`);
  }
  sentences.push(`Today ${name} continues to ${pick(ONGOING)}.`);
  return sentences.join(' ');
}

function withArticle(word: string): string {
  return `${/^[aeiou]/i.test(word) ? 'an' : 'a'} ${word}`;
}
