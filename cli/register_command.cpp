#include "cli/register_command.h"

#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include "cli/cli11.h"
#include "cli/json_fields.h"
#include "cli/output.h"

namespace notme::cli {
namespace {

struct RegisterOptions {
  std::string url, agent, method, email, name;
  bool yes = false;
  bool allow_loopback = false;
};

struct ClaimOptions {
  std::string name, email;
  bool otp = false;
  bool otp_stdin = false;
};

std::string Join(const nlohmann::json& arr) {
  std::string out;
  if (!arr.is_array()) return out;
  for (const auto& v : arr) {
    if (!v.is_string()) continue;
    if (!out.empty()) out += " ";
    out += v.get<std::string>();
  }
  return out;
}

// Reads one line from the terminal (stdin must be a TTY): the human's own answer. A hidden
// read turns echo off before `prompt` is shown: TCSAFLUSH drops what was typed before the
// prompt, never what is typed after it.
std::string ReadTtyLine(bool hide, std::string_view prompt) {
  termios saved{};
  bool hidden = false;
  if (hide && tcgetattr(STDIN_FILENO, &saved) == 0) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    hidden = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
  }
  std::cerr << prompt << std::flush;
  std::string line;
  char c;
  while (::read(STDIN_FILENO, &c, 1) == 1 && c != '\n' && line.size() < 256) line.push_back(c);
  if (hidden) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::cerr << "\n";
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

void ShowPreview(const nlohmann::json& p) {
  std::cerr << "Service:     " << Str(p, "resource_name") << " (" << Str(p, "resource") << ")\n"
            << "Registers at " << Str(p, "register_uri") << "\n"
            << "Scopes:      " << Join(p.value("scopes", nlohmann::json::array())) << "\n"
            << "Method:      " << Str(p, "method") << ", credential " << Str(p, "credential_type") << "\n";
  const auto& asserted = p.value("asserted", nlohmann::json::object());
  if (asserted.empty()) {
    std::cerr << "Asserted:    nothing about you (anonymous)\n";
    return;
  }
  std::cerr << "notme will assert to this service, on your behalf:\n";
  for (auto it = asserted.begin(); it != asserted.end(); ++it) {
    std::cerr << "  " << it.key() << " = " << (it->is_string() ? it->get<std::string>() : it->dump()) << "\n";
  }
}

int RunRegister(CliContext& ctx, const RegisterOptions& o) {
  auto client = ctx.Client();
  if (!client) return ctx.Fail(client.error());
  nlohmann::json body = {{"url", o.url}, {"agent", o.agent}, {"allow_loopback", o.allow_loopback}};
  if (!o.method.empty()) body["method"] = o.method;
  if (!o.email.empty()) body["email"] = o.email;
  if (!o.name.empty()) body["name"] = o.name;
  auto preview = (*client)->Call("POST", "/v1/registrations/preview", &body);
  if (!preview) return ctx.Fail(preview.error());
  ShowPreview(*preview);
  const bool needs_consent = preview->value("needs_consent", true);
  if (needs_consent && !o.yes) {
    if (!isatty(STDIN_FILENO)) {
      return ctx.Fail(Error(ErrorCode::kPermissionDenied, "consent is asked on a terminal; pass --yes in scripts"));
    }
    const std::string answer =
        ReadTtyLine(/*hide=*/false, "Assert this to " + Str(*preview, "resource_name") + "? [y/N] ");
    if (answer != "y" && answer != "Y" && answer != "yes") {
      std::cerr << "Nothing was sent.\n";
      return 1;
    }
  }
  body["consent"] = needs_consent;
  body["method"] = (*preview)["method"];
  body["name"] = (*preview)["name"];
  auto rec = (*client)->Call("POST", "/v1/registrations", &body);
  if (!rec) return ctx.Fail(rec.error());
  if (ctx.json) return ctx.PrintJson(*rec);
  const std::string name = Str(*rec, "name");
  if (Str(*rec, "status") == "pending_claim") {
    std::cout << "Registered " << name << "; the service emailed " << Str(*rec, "email")
              << ". Open the link, then enter the code:  notme claim " << name << " --otp\n";
    return 0;
  }
  std::cout << "Registered " << name << " (" << Str(*rec, "credential_type")
            << " kept in the keyring). Agent " << o.agent << " calls the service at /r/" << Str(*rec, "route")
            << "/...\n";
  if (rec->value("claim_pending", false)) {
    std::cout << "To take ownership later:  notme claim " << name << " --email YOU@EXAMPLE.COM\n";
  }
  return 0;
}

int RunClaim(CliContext& ctx, const ClaimOptions& o) {
  if (o.otp == !o.email.empty()) return ctx.Usage("claim", "give exactly one of --email E or --otp");
  auto client = ctx.Client();
  if (!client) return ctx.Fail(client.error());
  if (!o.email.empty()) {
    nlohmann::json body = {{"email", o.email}};
    auto rec = (*client)->Call("POST", "/v1/registrations/" + o.name + "/claim", &body);
    if (!rec) return ctx.Fail(rec.error());
    if (ctx.json) return ctx.PrintJson(*rec);
    std::cout << "The service emailed " << o.email << ". Open the link, then:  notme claim " << o.name
              << " --otp\n";
    return 0;
  }
  // The code comes from the human at the terminal, never through the agent.
  if (!isatty(STDIN_FILENO) && !o.otp_stdin) {
    return ctx.Fail(Error(ErrorCode::kPermissionDenied, "the code is read from your terminal (--otp-stdin for scripts)"));
  }
  std::string code;
  if (isatty(STDIN_FILENO)) {
    code = ReadTtyLine(/*hide=*/true, "Code from the claim page (input hidden): ");
  } else {
    char c;
    while (::read(STDIN_FILENO, &c, 1) == 1 && c != '\n' && code.size() < 64) code.push_back(c);
  }
  auto r = (*client)->Send("POST", "/v1/registrations/" + o.name + "/claim/complete", code, "text/plain");
  sodium_memzero(code.data(), code.size());
  if (!r) return ctx.Fail(r.error());
  if (r->status != 200) return ctx.Fail(client::DecodeErrorResponse(r->status, r->body));
  auto rec = nlohmann::json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  if (ctx.json && !rec.is_discarded()) return ctx.PrintJson(rec);
  std::cout << "Claimed " << o.name << "; the credential in the keyring now has the full scopes.\n";
  return 0;
}

int RunList(CliContext& ctx) {
  auto client = ctx.Client();
  if (!client) return ctx.Fail(client.error());
  auto list = (*client)->Call("GET", "/v1/registrations");
  if (!list) return ctx.Fail(list.error());
  if (ctx.json) return ctx.PrintJson(*list);
  std::vector<std::vector<std::string>> rows;
  if (auto it = list->find("registrations"); it != list->end() && it->is_array()) {
    for (const auto& r : *it) {
      rows.push_back({Str(r, "name"), Str(r, "agent"), Str(r, "resource_name"), Str(r, "method"),
                      Str(r, "status"), Str(r, "route"), TimeStr(r, "credential_expires")});
    }
  }
  if (rows.empty()) {
    std::cout << "No registrations yet. Register an agent:  notme register URL --agent NAME\n";
    return 0;
  }
  std::cout << FormatTable({"NAME", "AGENT", "SERVICE", "METHOD", "STATUS", "ROUTE", "EXPIRES"}, rows,
                           ShouldColor(stdout, ctx.env));
  return 0;
}

int RunRemove(CliContext& ctx, const std::string& name) {
  auto client = ctx.Client();
  if (!client) return ctx.Fail(client.error());
  auto r = (*client)->Call("DELETE", "/v1/registrations/" + name);
  if (!r) return ctx.Fail(r.error());
  if (ctx.json) return ctx.PrintJson({{"removed", name}});
  std::cout << "Removed " << name << ": credential wiped from the keyring, route deleted.\n";
  return 0;
}

int RunRefresh(CliContext& ctx, const std::string& name) {
  auto client = ctx.Client();
  if (!client) return ctx.Fail(client.error());
  auto rec = (*client)->Call("POST", "/v1/registrations/" + name + "/refresh");
  if (!rec) return ctx.Fail(rec.error());
  if (ctx.json) return ctx.PrintJson(*rec);
  std::cout << "Refreshed " << name << ": a new access token is in the keyring (until "
            << TimeStr(*rec, "credential_expires") << ").\n";
  return 0;
}

}  // namespace

void RegisterRegistrationCommands(CLI::App& app, CliContext& ctx) {
  auto ro = std::make_shared<RegisterOptions>();
  auto* reg = app.add_subcommand("register", "Register an agent with a service (auth.md agentic registration)");
  reg->add_option("URL", ro->url, "The service's API URL or resource")->required();
  reg->add_option("--agent", ro->agent, "The agent that will use the service")->required();
  reg->add_option("--method", ro->method, "anonymous | email | id-jag (default: from what the service offers)")
      ->check(CLI::IsMember({"anonymous", "email", "id-jag"}));
  reg->add_option("--email", ro->email, "Your email (email and id-jag methods)");
  reg->add_option("--name", ro->name, "Registration and route name (default AGENT-HOST)");
  reg->add_flag("--yes", ro->yes, "Consent without asking (scripts)");
  reg->add_flag("--allow-loopback", ro->allow_loopback, "Allow plain http to a loopback service (local testing)");
  AddJsonFlag(reg, ctx);
  reg->footer(
      "Examples:\n  notme register https://api.example.com/ --agent claude\n"
      "  notme register https://api.example.com/ --agent claude --method email --email me@example.com");
  reg->callback([&ctx, ro] { ctx.exit_code = RunRegister(ctx, *ro); });

  auto co = std::make_shared<ClaimOptions>();
  auto* claim = app.add_subcommand("claim", "Take ownership of a registration (emailed one-time code)");
  claim->add_option("REG", co->name, "Registration name")->required();
  claim->add_option("--email", co->email, "Start the claim: the service emails this address");
  claim->add_flag("--otp", co->otp, "Finish the claim: type the code from the claim page");
  claim->add_flag("--otp-stdin", co->otp_stdin, "Read the code from stdin when it is not a terminal");
  AddJsonFlag(claim, ctx);
  claim->callback([&ctx, co] { ctx.exit_code = RunClaim(ctx, *co); });

  auto* group = app.add_subcommand("registration", "List, refresh or remove agentic registrations");
  group->require_subcommand(1);
  auto* list = group->add_subcommand("list", "List registrations (never credentials)");
  AddJsonFlag(list, ctx);
  list->callback([&ctx] { ctx.exit_code = RunList(ctx); });
  auto rm_name = std::make_shared<std::string>();
  auto* rm = group->add_subcommand("rm", "Remove a registration: wipes its credential and its route");
  rm->add_option("NAME", *rm_name, "Registration name")->required();
  AddJsonFlag(rm, ctx);
  rm->callback([&ctx, rm_name] { ctx.exit_code = RunRemove(ctx, *rm_name); });
  auto refresh_name = std::make_shared<std::string>();
  auto* refresh = group->add_subcommand(
      "refresh", "Exchange a registration's identity assertion for a new access token (services that sign one)");
  refresh->add_option("NAME", *refresh_name, "Registration name")->required();
  AddJsonFlag(refresh, ctx);
  refresh->callback([&ctx, refresh_name] { ctx.exit_code = RunRefresh(ctx, *refresh_name); });
}

}  // namespace notme::cli
