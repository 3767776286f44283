#include "jose/kid.h"

namespace notme::jose {
std::string KidForEd25519(const crypto::Ed25519PublicKey&) { return {}; }
}  // namespace notme::jose
