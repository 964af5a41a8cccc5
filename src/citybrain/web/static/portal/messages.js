/* How the portal words a failure: the server's own bilingual message when it sent one. */
import { ApiError } from "../lib/api.js";

const NETWORK = "网络连接失败，请检查后重试 / Could not reach the server; check the connection and try again.";

const serverError = (status) =>
  `服务器错误（${status}），请稍后再试 / Server error (${status}); please try again later.`;

/** The text to show for an error thrown by lib/api.request (or by fetch itself). */
export function problemText(err) {
  if (!(err instanceof ApiError)) return NETWORK;
  return err.explained ? err.message : serverError(err.status);
}
