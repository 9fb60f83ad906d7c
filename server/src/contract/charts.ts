// POST /charts/read (the composer's chart preview: bar numbers before asking), and the schema of a chart's
// reading as the stream's chart_analysis event (chat.ts) and the conversation's stored charts carry it.
import { Type, type Static } from 'typebox';
import { ChatImage, type ChartAnalysisImage } from './chat.js';

const Side = Type.Union([Type.Literal('long'), Type.Literal('short'), Type.Literal('both')]);

export const ChartAnalysisCandleSchema = Type.Object(
  {
    x: Type.Number(),
    highPx: Type.Number(),
    lowPx: Type.Number(),
    openPx: Type.Number(),
    closePx: Type.Number(),
    type: Type.Union([Type.Literal('1'), Type.Literal('2U'), Type.Literal('2D'), Type.Literal('3'), Type.Null()]),
    confidence: Type.Number(),
  },
  { additionalProperties: false },
);

const analysisFields = {
  width: Type.Integer(),
  height: Type.Integer(),
  candles: Type.Array(ChartAnalysisCandleSchema),
  sequence: Type.String(),
  combo: Type.Union([
    Type.Object(
      { name: Type.String(), bars: Type.String(), side: Side, status: Type.String() },
      { additionalProperties: false },
    ),
    Type.Null(),
  ]),
  trigger: Type.Union([
    Type.Object({ candle: Type.Integer({ minimum: 0 }), side: Side }, { additionalProperties: false }),
    Type.Null(),
  ]),
  skipped: Type.Optional(
    Type.Union([
      Type.Literal('no_candles'),
      Type.Literal('image_too_large'),
      Type.Literal('unreadable_image'),
      Type.Literal('timeout'),
    ]),
  ),
};

/** A chart's reading as history keeps it (ImageMeta.analysis): the chart_analysis image without its index. */
export const ChartAnalysis = Type.Object(analysisFields, { additionalProperties: false });
export type ChartAnalysis = Static<typeof ChartAnalysis>;

/** One image of the chart_analysis event (chat.ts's ChartAnalysisImage), and the answer of POST /charts/read. */
export const ChartAnalysisImageSchema = Type.Object(
  { index: Type.Integer({ minimum: 0 }), ...analysisFields },
  { additionalProperties: false },
);

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type AssertTrue<T extends true> = T;
/** Compiles only while the schema and chat.ts's event type agree. */
export type ChartAnalysisSchemaMatchesEvent = AssertTrue<
  Same<Static<typeof ChartAnalysisImageSchema>, ChartAnalysisImage>
>;

/**
 * POST /charts/read: one chart, checked as the chat checks its images (a bad image is 400 invalid_request, one
 * over MAX_IMAGE_BYTES 413), read by the local reader. Costs no tokens; answers ChartAnalysisImage with index 0
 * (`skipped` says why a chart has no candles).
 */
export const ChartReadRequest = Type.Object({ image: ChatImage }, { additionalProperties: false });
export type ChartReadRequest = Static<typeof ChartReadRequest>;
