#pragma once
// Registration methods (AUTH.md "Step 2") and how notme picks one from what a service
// advertises. An explicit choice the service does not list is refused before anything is
// sent. Pure functions; thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include "notme/result.h"
#include "registration/metadata.h"

namespace notme::registration {

enum class Method { kAnonymous, kEmail, kIdJag };

// "anonymous", "email", "id-jag".
std::string_view MethodName(Method method);
// Errors: kInvalidArgument for any other word.
Result<Method> ParseMethod(std::string_view name);

// Without `requested`: email when an email is given and the service accepts
// verified_email, else anonymous when accepted, else email, else id-jag; an email method
// needs `email`. With `requested`: that method, if the service lists it.
// Errors: kUnsupported naming what the service does accept; kInvalidArgument (email
// method without an email address).
Result<Method> ChooseMethod(const AgentAuth& agent_auth, std::optional<Method> requested, bool has_email);

// The credential type to request: api_key when listed (it does not expire), else
// access_token; api_key when the service lists none. Errors: kUnsupported.
Result<std::string> ChooseCredentialType(const AgentAuth& agent_auth, Method method);

// A syntactically plausible email address (local@domain, printable ASCII, no quotes,
// backslashes or spaces, at most 254 bytes).
bool IsPlausibleEmail(std::string_view email);

}  // namespace notme::registration
