# Homebrew formula for notme. Builds from source with CMake.
#   brew install --build-from-source ./packaging/homebrew/notme.rb
#   brew services start notme        # runs notmed as a launchd LaunchAgent
#
# On macOS the keyring is in-memory only until a Keychain backend exists (notmed warns at
# start; `--keyring secret-service` fails closed): see docs/keyring.md.
class Notme < Formula
  desc "Per-user daemon giving coding agents their own identity"
  homepage "https://notme.dev"
  url "https://notme.dev/releases/notme-0.1.0.tar.gz"
  version "0.1.0"
  # Filled in when a release tarball is published.
  sha256 "0000000000000000000000000000000000000000000000000000000000000000"
  license "Apache-2.0"
  head "https://github.com/notme-dev/notme.git", branch: "main"

  depends_on "cmake" => :build
  depends_on "ninja" => :build
  depends_on "pkg-config" => :build
  depends_on "cli11"
  depends_on "cpp-httplib"
  depends_on "libsodium"
  depends_on "nlohmann-json"
  depends_on "openssl@3"
  depends_on "spdlog"

  on_linux do
    depends_on "libsecret"
  end

  def install
    system "cmake", "-S", ".", "-B", "build", "-G", "Ninja",
                    "-DNOTME_BUILD_TESTS=OFF", "-DNOTME_BUILD_BENCH=OFF",
                    *std_cmake_args
    system "cmake", "--build", "build"
    system "cmake", "--install", "build"
  end

  service do
    run [opt_bin/"notmed"]
    keep_alive successful_exit: false
    process_type :background
    log_path var/"log/notmed.log"
    error_log_path var/"log/notmed.log"
  end

  def caveats
    <<~EOS
      Start the daemon now and at login:
        brew services start notme
      On macOS notme keeps its SSH CA and secrets in memory only (no Keychain
      backend yet), so they are lost when notmed restarts. See:
        #{doc}/keyring.md
    EOS
  end

  test do
    assert_match version.to_s, shell_output("#{bin}/notmed --version")
    assert_match version.to_s, shell_output("#{bin}/notme --version")
    assert_match version.to_s, shell_output("#{bin}/notme-ssh-sign --version")
    assert_match version.to_s, shell_output("#{bin}/git-credential-notme --version")
  end
end
