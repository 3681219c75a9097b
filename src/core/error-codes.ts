/**
 * The stable codes of SparkError, the one error family of every layer. Users, scripts and the gateway's
 * clients match on them, so a code is renamed only with its tests and a note.
 */

/** Failures of Spark's own work: config, models, providers, edits, sandbox, store. */
type EngineErrorCode =
  | "config_invalid"
  | "usage_invalid"
  | "model_not_configured"
  | "model_unknown"
  | "model_file_missing"
  | "model_file_invalid"
  | "model_download_failed"
  | "engine_install_failed"
  | "provider_auth"
  | "provider_rate_limited"
  | "provider_unreachable"
  | "provider_bad_request"
  | "provider_error"
  | "context_overflow"
  | "patch_rejected"
  | "sandbox_unavailable"
  | "command_refused"
  | "review_failed"
  | "eval_task_invalid"
  | "store_unreachable"
  | "internal";

/** Why the gateway refuses a request: its body, its key, its bucket, its conversation. */
type GatewayRequestErrorCode =
  | "invalid_request"
  | "invalid_body"
  | "invalid_json"
  | "invalid_encoding"
  | "json_too_deep"
  | "incomplete_body"
  | "unsupported_media_type"
  | "request_too_large"
  | "request_timeout"
  | "invalid_type"
  | "invalid_value"
  | "missing_required_parameter"
  | "unsupported_parameter"
  | "unsupported_value"
  | "unknown_route"
  | "model_unavailable"
  | "pool_saturated"
  | "host_not_allowed"
  | "missing_api_key"
  | "invalid_api_key"
  | "rate_limit_exceeded"
  | "conversation_not_found"
  | "conversation_quota_exceeded"
  | "conversation_storage_full"
  | "conversation_full"
  | "eval_results_not_found"
  | "eval_report_unreadable";

/** How a stream the gateway passes on from an upstream failed or was cut. */
type GatewayStreamErrorCode = "upstream_answer_too_large" | "upstream_stream_broken" | "reservation_exceeded";

/** What the gateway's Responses WebSocket refuses: a frame, an event, a lane, a chain, a socket. */
type GatewaySocketErrorCode =
  | "invalid_event"
  | "unknown_event_type"
  | "too_many_streams"
  | "conversation_already_has_active_response"
  | "previous_response_not_found"
  | "websocket_connection_limit_reached"
  | "upgrade_required"
  | "invalid_subprotocol"
  | "origin_not_allowed";

export type SparkErrorCode = EngineErrorCode | GatewayRequestErrorCode | GatewayStreamErrorCode | GatewaySocketErrorCode;
