#include "cli/token_command.h"

#include "cli/cli11.h"
#include <iostream>
#include <memory>

#include "cli/json_fields.h"
#include "cli/output.h"
#include "cli/token_inspect.h"

namespace notme::cli {
namespace {

struct TokenOptions {
  std::string agent;
  std::vector<std::string> scopes;
  std::string resource;
  std::string dpop_jwk;
};

std::string JoinScopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) out += (out.empty() ? "" : " ") + s;
  return out;
}

// RFC 9449 binds the token to a key; --dpop-jwk asks the daemon (control socket only) to
// bind it to the caller's key instead of ours: POST /v1/tokens (docs/api.md).
Result<client::TokenResponse> MintForKey(client::Client& c, const TokenOptions& o,
                                         const std::string& jkt) {
  nlohmann::json body = {{"agent", o.agent}, {"scope", JoinScopes(o.scopes)}, {"jkt", jkt}};
  if (!o.resource.empty()) body["resource"] = o.resource;
  NOTME_TRY(nlohmann::json a, c.Call("POST", "/v1/tokens", &body));
  client::TokenResponse t{Str(a, "access_token"), Str(a, "token_type"),
                          Int(a, "expires_in").value_or(0), Str(a, "scope")};
  if (t.access_token.empty()) return Fail(ErrorCode::kMalformed, "notmed: answer lacks access_token");
  return t;
}

void PrintHuman(const CliContext& ctx, const TokenOptions& o, const client::TokenResponse& t,
                const InspectedToken& inspected, const std::string& jkt) {
  const bool color = ShouldColor(stdout, ctx.env);
  std::cout << Paint("Access token", Style::kBold, color) << " for agent "
            << Printable(Str(inspected.claims, "client_id")) << " (" << Printable(t.token_type)
            << ", expires in " << t.expires_in << "s, scope \"" << Printable(t.scope) << "\"):\n\n"
            << Printable(t.access_token) << "\n\n"
            << Paint("Header", Style::kBold, color) << " (signature verified against notmed's "
            << "published key):\n";
  for (const auto& [k, v] : inspected.header.items()) {
    std::cout << "  " << k << std::string(k.size() < 10 ? 10 - k.size() : 1, ' ')
              << Printable(v.dump()) << "\n";
  }
  std::cout << Paint("Claims", Style::kBold, color) << ":\n";
  for (const auto& [k, v] : inspected.claims.items()) {
    std::string shown = v.is_string() ? v.get<std::string>() : v.dump();
    if ((k == "exp" || k == "iat" || k == "nbf") && v.is_number_integer()) {
      shown += "  (" + HumanTime(v.get<int64_t>()) + ")";
    }
    std::cout << "  " << k << std::string(k.size() < 10 ? 10 - k.size() : 1, ' ')
              << Printable(shown) << "\n";
  }
  std::cout << "\n";
  if (o.dpop_jwk.empty()) {
    std::cout << Paint("Note:", Style::kYellow, color)
              << " this token is bound (cnf.jkt " << jkt << ")\nto a DPoP proof key that "
                 "existed only inside this notme process, which is now gone.\nEvery use of the "
                 "token needs a fresh proof signed by that key (RFC 9449), so the\ntoken is "
                 "useless to anyone else — it is shown so you can see what an agent receives.\n"
                 "To mint a token a program of yours can use, pass --dpop-jwk FILE with that\n"
                 "program's public JWK; agents get their own with `notme run`.\n";
  } else {
    std::cout << Paint("Note:", Style::kYellow, color) << " this token is bound (cnf.jkt " << jkt
              << ") to the key in " << Printable(o.dpop_jwk)
              << ";\nonly the holder of its private key can use it, with a DPoP proof per request.\n";
  }
}

int RunToken(CliContext& ctx, const TokenOptions& o) {
  if (o.agent.empty() && !ctx.UsingAgentSocket()) {
    return ctx.Usage("token", "--agent NAME is required (on an agent socket it is implied)");
  }
  if (!o.agent.empty() && !IsValidAgentName(o.agent)) {
    return ctx.Usage("token", "invalid agent name '" + Printable(o.agent) + "'");
  }
  std::optional<jose::PublicJwk> holder_key;
  if (!o.dpop_jwk.empty()) {
    auto jwk = ReadPublicJwkFile(o.dpop_jwk);
    if (!jwk) return ctx.Fail(jwk.error());
    holder_key = *jwk;
  }
  auto client = ctx.Client();
  if (!client) return ctx.Fail(client.error());
  client::Client& c = **client;
  const std::string jkt = holder_key ? holder_key->Thumbprint() : c.ProofKeyThumbprint();
  auto token = holder_key ? MintForKey(c, o, jkt)
                          : c.RequestToken({o.agent, o.scopes, o.resource});
  if (!token) return ctx.Fail(token.error());
  auto inspected = VerifyIssuedToken(c, token->access_token);
  if (!inspected) return ctx.Fail(inspected.error());
  // Fail closed: a token bound to some other key than the one asked for is not shown.
  nlohmann::json cnf = inspected->claims.value("cnf", nlohmann::json::object());
  if (Str(cnf, "jkt") != jkt) {
    return ctx.Fail(Error(ErrorCode::kInvalidToken, "notmed returned a token bound to another key"));
  }
  if (ctx.json) {
    return ctx.PrintJson({{"access_token", token->access_token},
                          {"token_type", token->token_type},
                          {"expires_in", token->expires_in},
                          {"scope", token->scope},
                          {"header", inspected->header},
                          {"claims", inspected->claims},
                          {"bound_to", holder_key ? "dpop-jwk" : "cli-proof-key"},
                          {"jkt", jkt}});
  }
  PrintHuman(ctx, o, *token, *inspected, jkt);
  return 0;
}

}  // namespace

void RegisterTokenCommands(CLI::App& app, CliContext& ctx) {
  auto o = std::make_shared<TokenOptions>();
  auto* token = app.add_subcommand("token", "Mint an access token for an agent and show its claims");
  token->add_option("--agent", o->agent, "The agent (implied on an agent socket)");
  token->add_option("--scope", o->scopes, "A scope to request (repeatable)")
      ->required()
      ->allow_extra_args(false);
  token->add_option("--resource", o->resource, "Audience URI for the token (RFC 8707)");
  token->add_option("--dpop-jwk", o->dpop_jwk,
                    "Bind the token to this public JWK (a file) instead of notme's own proof key");
  AddJsonFlag(token, ctx);
  token->footer(
      "The token is DPoP-bound (RFC 9449) to a proof key. By default that is notme's own\n"
      "per-process key, so the printed token is for inspection only. With --dpop-jwk it is\n"
      "bound to your program's key (control socket only).\n\n"
      "Examples:\n"
      "  notme token --agent claude --scope git:sign\n"
      "  notme token --agent ci --scope api:read --resource https://api.example.com --json\n"
      "  notme token --agent ci --scope api:read --dpop-jwk ci-key.pub.jwk\n");
  token->callback([&ctx, o] { ctx.exit_code = RunToken(ctx, *o); });
}

}  // namespace notme::cli
