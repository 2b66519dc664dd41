import { readFileSync } from 'node:fs';

/** What the fixtures say: everyday sentences made only of words tiny-en was trained on. */
export const SENTENCES = [
  'the boy ran down the road to find his dog',
  'my sister will read a long story at night',
  'we can see the sun over the high mountain',
  'the old man stood by the fire with some bread',
  'a small bird can sing in the tree near our house',
  'they made a big boat to cross the river',
  'she put the red box on the table',
  'the children play in the park after school',
  'please open the window and let the air in',
  'he will write a letter to his mother next week',
  'the farm has many horse and a few cow',
  'our teacher gave us a hard test today',
  'the city was cold and the street was wet',
  'i think the green car is too fast',
  'you should eat more fruit every morning',
  'the family went to the sea for the summer',
  'a young girl found a gold ring in the sand',
  'the king will live in a great house by the lake',
  'we need water and food for the long walk',
  'the light went out and the room was dark',
  'they heard a strange sound from the north',
  'my father can build a house with his own hand',
  'the moon was bright above the black hill',
  'she has to draw a picture of the animal',
  'the men took the heavy stone up the hill',
  'there is a new school near the station',
  'he told us to stand in a line',
  'the wind took the paper across the field',
  'a friend of my father can play the piano well',
  'the ship left the port early in the morning',
] as const;

/** Fails loudly when a sentence uses a word outside the model's word list (the fixture would test nothing). */
export function checkVocabulary(wordListFile: string): void {
  const known = new Set(readFileSync(wordListFile, 'utf8').split(/\s+/).filter(Boolean));
  const unknown = [...new Set(SENTENCES.flatMap((s) => s.split(' ')).filter((w) => !known.has(w)))];
  if (unknown.length > 0) {
    throw new Error(`bench sentences use words outside ${wordListFile}: ${unknown.join(', ')}`);
  }
}
