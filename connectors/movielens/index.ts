// The MovieLens connector: ratings in every published format as one schema, and movie titles.

export { planMovieLensScan, MOVIELENS_COLUMNS, type MovieLensOptions } from './ratings.ts';
export { readMovieTitles } from './titles.ts';
export { locateRatings, locateTitles, MOVIELENS_FORMATS, type MovieLensFormat } from './formats.ts';
