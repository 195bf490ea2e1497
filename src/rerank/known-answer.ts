/**
 * The regolo documentation's rerank example, used as a known-answer probe (doctor) and as the
 * first query of the shipped CSV set. Document 2 is the only right answer.
 */
export const KNOWN_ANSWER = {
  query: "What is the capital of the United States?",
  documents: [
    "Carson City is the capital city of the American state of Nevada.",
    "The Commonwealth of the Northern Mariana Islands is a group of islands in the Pacific Ocean. Its capital is Saipan.",
    "Washington, D.C. is the capital of the United States.",
    "Capital punishment has existed in the United States since before it was a country.",
  ],
  expectedFirst: 2,
} as const;
