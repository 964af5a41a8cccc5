// A real OpenID Provider for the tests: panva's oidc-provider (OpenID Certified), on 127.0.0.1 and a free port.
//
//   node provider.mjs   with OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URIS (comma-separated) in the env,
//                       and OIDC_SIGNING_JWK (its private signing key, a JWK as JSON: the tests forge tokens with it)
//
// Prints one line of JSON, {"issuer": "http://127.0.0.1:<port>"}, once it answers. Its sign-in page checks the
// password of three people; consent is given at once (the relying party is the city's own). "Cancel" on the page
// answers the relying party with error=access_denied, as a person declining at a real provider does.
import http from "node:http";
import { Provider } from "oidc-provider";

const PEOPLE = {
  wang: { password: "wang-pass-123", email: "wang.fang@city.example", name: "王芳" },
  li: { password: "li-pass-123", email: "li.lei@city.example", name: "李雷" },
  zhao: { password: "zhao-pass-123", email: "zhao.min@elsewhere.example", name: "赵敏" },
};

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function page(uid, error) {
  const problem = error ? `<p id="idp-error">${escapeHtml(error)}</p>` : "";
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test IdP sign-in</title></head><body>
<h1>Test identity provider</h1>${problem}
<form method="post" action="/interaction/${uid}/login">
<label>Login <input id="idp-login" name="login" required></label>
<label>Password <input id="idp-password" name="password" type="password" required></label>
<button id="idp-submit" type="submit">Sign in at the IdP</button></form>
<form method="post" action="/interaction/${uid}/cancel"><button id="idp-cancel" type="submit">Cancel</button></form>
</body></html>`;
}

async function readForm(req) {
  let body = "";
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

async function consent(provider, req, res, details) {
  const { prompt, params, session, grantId } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(" "));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  const result = { consent: { grantId: await grant.save() } };
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
}

async function interaction(provider, req, res) {
  const url = new URL(req.url, "http://x");
  const [, , uid, action] = url.pathname.split("/");
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error("interaction mismatch");
  if (req.method === "GET" && details.prompt.name === "consent") return consent(provider, req, res, details);
  if (req.method === "GET") {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    return res.end(page(uid));
  }
  if (action === "cancel") {
    const result = { error: "access_denied", error_description: "the person declined" };
    return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }
  const form = await readForm(req);
  const person = PEOPLE[form.get("login")];
  if (!person || person.password !== form.get("password")) {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    return res.end(page(uid, "wrong login or password"));
  }
  const result = { login: { accountId: form.get("login") } };
  return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
}

const server = http.createServer();
server.listen(0, "127.0.0.1", () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: process.env.OIDC_CLIENT_ID,
        client_secret: process.env.OIDC_CLIENT_SECRET,
        redirect_uris: process.env.OIDC_REDIRECT_URIS.split(","),
        post_logout_redirect_uris: (process.env.OIDC_LOGOUT_URIS || "").split(",").filter(Boolean),
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name", "preferred_username"] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, found) => `/interaction/${found.uid}` },
    cookies: { keys: ["test-provider-cookie-key-not-secret"] },
    jwks: process.env.OIDC_SIGNING_JWK ? { keys: [JSON.parse(process.env.OIDC_SIGNING_JWK)] } : undefined,
    async findAccount(_ctx, id) {
      const person = PEOPLE[id];
      if (!person) return undefined;
      return {
        accountId: id,
        async claims() {
          return { sub: id, email: person.email, email_verified: true, name: person.name, preferred_username: id };
        },
      };
    },
  });
  const callback = provider.callback();
  server.on("request", (req, res) => {
    if (!req.url.startsWith("/interaction/")) return callback(req, res);
    return interaction(provider, req, res).catch((err) => {
      res.writeHead(400, { "content-type": "text/plain" });
      res.end(`interaction failed: ${err.message}`);
    });
  });
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
