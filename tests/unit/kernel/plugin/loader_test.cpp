// Every refusal the loader must make, each on a real file the build produced.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "plugin/codec_plugin.hpp"
#include "plugin/plugin_loader.hpp"

namespace parley::plugin {
namespace {

const std::filesystem::path kFixtures = PARLEY_FIXTURE_PLUGIN_DIR;
const std::filesystem::path kBuilt = PARLEY_BUILT_PLUGIN_DIR;

struct RefusalCase {
  const char* file;
  const char* reason_contains;
};

class LoaderRefuses : public testing::TestWithParam<RefusalCase> {};

TEST_P(LoaderRefuses, WithAOneLineReason) {
  const auto record = load_plugin(kFixtures / GetParam().file);
  EXPECT_FALSE(record.loaded);
  EXPECT_EQ(record.library, nullptr);
  EXPECT_TRUE(record.interfaces.empty());
  EXPECT_NE(record.reason.find(GetParam().reason_contains), std::string::npos)
      << "reason was: " << record.reason;
  EXPECT_EQ(record.reason.find('\n'), std::string::npos) << "reason must be one line";
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, LoaderRefuses,
    testing::Values(
        RefusalCase{"fixture-not-a-library.so", "not a shared library: no ELF header"},
        RefusalCase{"fixture-truncated-header.so",
                    "truncated library: file is too short for an ELF header"},
        RefusalCase{"fixture-truncated-half.so", "truncated library"},
        RefusalCase{"fixture-no-entry.so", "not a Parley plugin: no parley_plugin_entry_abi1"},
        RefusalCase{"fixture-wrong-abi-tag.so",
                    "built for plugin ABI 999, this parley speaks ABI 1"},
        RefusalCase{"fixture-descriptor-abi.so", "descriptor says plugin ABI 2"},
        RefusalCase{"fixture-major-2.so", "is codec/2.0, this parley speaks codec/1."},
        RefusalCase{"fixture-minor-newer.so", "newer than this parley's"},
        RefusalCase{"fixture-unknown-kind.so", "unknown kind 42"},
        RefusalCase{"fixture-bad-id.so", "is not reverse-DNS"},
        RefusalCase{"fixture-small-table.so", "table is smaller than codec/1.0 requires"},
        RefusalCase{"fixture-entry-null.so", "plugin entry failed (returned no descriptor)"},
        RefusalCase{"fixture-entry-throws.so", "plugin entry threw an exception"},
        RefusalCase{"fixture-factory-null.so", "factory failed (returned no table)"},
        RefusalCase{"fixture-factory-throws.so", "factory threw an exception"},
        RefusalCase{"does-not-exist.so", "not a regular file"}),
    [](const testing::TestParamInfo<RefusalCase>& param_info) {
      std::string name = param_info.param.file;
      name = name.substr(0, name.find('.'));
      for (auto& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return name;
    });

TEST(Loader, RefusesAWrongAbiWithoutRunningTheLibrary) {
  const auto marker = std::filesystem::temp_directory_path() / "parley-constructor-marker";
  std::filesystem::remove(marker);
  ::setenv("PARLEY_FIXTURE_MARKER", marker.c_str(), 1);
  const auto record = load_plugin(kFixtures / "fixture-constructor-marker.so");
  ::unsetenv("PARLEY_FIXTURE_MARKER");
  EXPECT_FALSE(record.loaded);
  EXPECT_FALSE(std::filesystem::exists(marker)) << "the library's constructor ran before refusal";
}

TEST(Loader, RefusesADirectory) {
  const auto record = load_plugin(kFixtures);
  EXPECT_FALSE(record.loaded);
}

TEST(Loader, LoadsARealPluginAndReadsItsDescriptor) {
  const auto record = load_plugin(kBuilt / "parley-codec-g711.so");
  ASSERT_TRUE(record.loaded) << record.reason;
  EXPECT_EQ(record.id, "org.parley.codec.g711");
  EXPECT_EQ(record.version, "1.0.0");
  ASSERT_EQ(record.interfaces.size(), 2u);
  EXPECT_EQ(record.interfaces[0].name, "pcmu");
  EXPECT_EQ(record.interfaces[0].kind, PARLEY_KIND_CODEC);
  EXPECT_EQ(record.interfaces[0].major, PARLEY_CODEC_MAJOR);
  EXPECT_EQ(record.interfaces[0].minor, PARLEY_CODEC_MINOR);
}

TEST(Loader, LibraryOutlivesItsRecordWhileAnObjectLives) {
  std::optional<CodecEncoder> encoder;
  {
    const auto record = load_plugin(kBuilt / "parley-codec-g711.so");
    ASSERT_TRUE(record.loaded);
    const CodecPlugin codec(Offer{&record, &record.interfaces[0]});
    parley_codec_params params{sizeof(parley_codec_params), 8000, 1, 20, 0, -1, 0, 0, 0, 0, {}};
    encoder.emplace(codec.make_encoder(params));
  }  // the record, and the registry's reference, are gone here
  std::vector<std::int16_t> pcm(160, 1000);
  std::vector<std::uint8_t> out(160);
  EXPECT_EQ(encoder->encode(pcm, out), 160u);  // would crash if the library had been unmapped
}

TEST(Loader, OlderMinorPluginLoadsWorksAndIsAdapted) {
  const auto record =
      load_plugin(std::filesystem::path(PARLEY_OLDER_MINOR_DIR) / "fixture-older-minor-codec.so");
  ASSERT_TRUE(record.loaded) << record.reason;
  ASSERT_EQ(record.interfaces.size(), 1u);
  EXPECT_EQ(record.interfaces[0].minor, 0);
  EXPECT_LT(record.interfaces[0].api_size, sizeof(parley_codec_api));

  const CodecPlugin codec(Offer{&record, &record.interfaces[0]});
  EXPECT_FALSE(codec.supports_update());
  parley_codec_params params{sizeof(parley_codec_params), 8000, 1, 20, 0, -1, 0, 0, 0, 0, {}};
  auto encoder = codec.make_encoder(params);
  auto decoder = codec.make_decoder(params);
  std::vector<std::int16_t> pcm(160), decoded(160);
  for (std::size_t i = 0; i < pcm.size(); ++i) pcm[i] = static_cast<std::int16_t>(i * 100 - 8000);
  std::vector<std::uint8_t> payload(320);
  ASSERT_EQ(encoder.encode(pcm, payload), 320u);
  ASSERT_EQ(decoder.decode(payload, false, false, decoded), 160u);
  EXPECT_EQ(decoded, pcm);
  EXPECT_FALSE(encoder.update(params)) << "a codec/1.0 table has no update to call";
}

}  // namespace
}  // namespace parley::plugin
