export { PredictionFollower } from "./prediction-follower.js";
export { defaultAdaptive, RequestPredictor, type AdaptiveOptions, type PredictorSources, type SpeculationMode, type SpeculationStats } from "./request-predictor.js";
