#include "cli/route_command.h"

#include <iostream>
#include <memory>

#include "cli/cli11.h"
#include "cli/json_fields.h"
#include "cli/output.h"

namespace notme::cli {
namespace {

struct AddOptions {
  std::string name;
  std::string upstream;
  std::string secret;
  std::string inject;
  std::string basic_user;
  std::string scope;
  std::vector<std::string> methods;
  std::vector<std::string> paths;
  std::string ca_file;
  bool allow_loopback = false;
};

int RunAdd(CliContext& ctx, const AddOptions& o) {
  if (!o.inject.empty() && !o.basic_user.empty()) {
    return ctx.Usage("route add", "--inject and --basic-user are mutually exclusive");
  }
  nlohmann::json body = {{"name", o.name},
                         {"upstream", o.upstream},
                         {"secret", o.secret},
                         {"allow_methods", o.methods},
                         {"allow_paths", o.paths},
                         {"allow_loopback", o.allow_loopback}};
  if (!o.inject.empty()) body["inject"] = o.inject;
  if (!o.basic_user.empty()) body["basic_user"] = o.basic_user;
  if (!o.scope.empty()) body["scope"] = o.scope;
  if (!o.ca_file.empty()) {
    std::error_code ec;
    auto abs = std::filesystem::absolute(o.ca_file, ec);
    body["ca_file"] = ec ? o.ca_file : abs.string();
  }
  auto client = ctx.Client();
  if (!client) return ctx.Fail(client.error());
  auto route = (*client)->Call("POST", "/v1/routes", &body);
  if (!route) return ctx.Fail(route.error());
  if (ctx.json) return ctx.PrintJson(*route);
  std::cout << "Added route " << Printable(o.name) << " → " << Printable(Str(*route, "upstream"))
            << " (secret " << Printable(o.secret) << ", scope " << Printable(Str(*route, "scope")) << ").\n"
            << "Agents holding that scope reach it at /r/" << Printable(o.name) << "/... on their socket.\n";
  return 0;
}

int RunList(CliContext& ctx) {
  auto client = ctx.Client();
  if (!client) return ctx.Fail(client.error());
  auto list = (*client)->Call("GET", "/v1/routes");
  if (!list) return ctx.Fail(list.error());
  if (ctx.json) return ctx.PrintJson(*list);
  std::vector<std::vector<std::string>> rows;
  if (auto it = list->find("routes"); it != list->end() && it->is_array()) {
    for (const auto& r : *it) {
      std::string inject = r.contains("basic_user") ? "basic:" + Str(r, "basic_user") : Str(r, "inject");
      rows.push_back({Str(r, "name"), Str(r, "upstream"), Str(r, "secret"), Str(r, "scope"), inject,
                      JoinOrDash(Strings(r, "allow_methods")), JoinOrDash(Strings(r, "allow_paths"))});
    }
  }
  if (rows.empty()) {
    std::cout << "No routes yet. Add one:  notme route add NAME --upstream https://HOST --secret S\n";
    return 0;
  }
  std::cout << FormatTable({"NAME", "UPSTREAM", "SECRET", "SCOPE", "INJECT", "METHODS", "PATHS"}, rows,
                           ShouldColor(stdout, ctx.env));
  return 0;
}

int RunRemove(CliContext& ctx, const std::string& name) {
  if (!IsValidAgentName(name)) return ctx.Usage("route rm", "invalid route name");
  auto client = ctx.Client();
  if (!client) return ctx.Fail(client.error());
  auto r = (*client)->Call("DELETE", "/v1/routes/" + name);
  if (!r) return ctx.Fail(r.error());
  if (ctx.json) return ctx.PrintJson({{"removed", name}});
  std::cout << "Removed route " << name << ".\n";
  return 0;
}

}  // namespace

void RegisterRouteCommands(CLI::App& app, CliContext& ctx) {
  auto* route = app.add_subcommand("route", "Proxy routes: upstreams and the secrets injected into them");
  route->require_subcommand(1);
  route->footer(
      "Examples:\n"
      "  notme route add github --upstream https://api.github.com --secret github --scope gh\n"
      "  notme route add gitlab --upstream https://gitlab.com --secret gl --basic-user oauth2\n"
      "  notme route list\n"
      "  notme route rm github\n");

  auto o = std::make_shared<AddOptions>();
  auto* add = route->add_subcommand("add", "Add a route");
  add->add_option("NAME", o->name, "Route name: a-z 0-9 _ - (up to 64)")->required();
  add->add_option("--upstream", o->upstream, "https://host[:port][/base]")->required();
  add->add_option("--secret", o->secret, "Name of the keyring secret to inject")->required();
  add->add_option("--inject", o->inject, "Header template, e.g. 'Authorization: Bearer {secret}' (default)");
  add->add_option("--basic-user", o->basic_user, "Inject HTTP Basic auth with this user and the secret as password");
  add->add_option("--scope", o->scope, "Scope an agent needs to use the route (default route:NAME)");
  add->add_option("--allow-method", o->methods, "Allowed method (repeatable; default all)")->allow_extra_args(false);
  add->add_option("--allow-path", o->paths, "Allowed path prefix below the route (repeatable)")->allow_extra_args(false);
  add->add_option("--ca-file", o->ca_file, "PEM CA bundle to verify the upstream with (private CAs)");
  add->add_flag("--allow-loopback", o->allow_loopback,
                "Permit an upstream on loopback/private addresses (and plain http)");
  AddJsonFlag(add, ctx);
  add->callback([&ctx, o] { ctx.exit_code = RunAdd(ctx, *o); });

  auto* list = route->add_subcommand("list", "List routes");
  AddJsonFlag(list, ctx);
  list->callback([&ctx] { ctx.exit_code = RunList(ctx); });

  auto rm_name = std::make_shared<std::string>();
  auto* rm = route->add_subcommand("rm", "Remove a route");
  rm->add_option("NAME", *rm_name, "Route name")->required();
  AddJsonFlag(rm, ctx);
  rm->callback([&ctx, rm_name] { ctx.exit_code = RunRemove(ctx, *rm_name); });
}

}  // namespace notme::cli
