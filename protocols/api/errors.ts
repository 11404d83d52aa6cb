import { Type, type Static } from '@sinclair/typebox';

/** The body of every refused API request: what is wrong, in words. */
export const ErrorBody = Type.Object({
  error: Type.String({ description: 'what is wrong with the request' }),
});
export type ErrorBody = Static<typeof ErrorBody>;
