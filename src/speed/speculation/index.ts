export { PredictionFollower } from "./prediction-follower.js";
export { DraftPolicy, defaultDraftPolicy, type DraftPolicyOptions } from "./draft-policy.js";
export { RequestPredictor, type PredictorSources, type SpeculationMode, type SpeculationStats } from "./request-predictor.js";
