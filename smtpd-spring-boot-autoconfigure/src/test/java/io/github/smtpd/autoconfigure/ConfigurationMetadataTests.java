package io.github.smtpd.autoconfigure;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import com.jayway.jsonpath.JsonPath;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an IDE shows for the smtpd.* keys: the metadata the configuration processor wrote into the jar, with a hint
 * and a description for each value of every key that takes one of a few words.
 */
class ConfigurationMetadataTests {

    @ParameterizedTest
    @CsvSource({ "smtpd.mode, default|debugging|proxy|mailman", "smtpd.protocol, smtp|lmtp",
            "smtpd.line-ending-policy, allow|reject", "smtpd.ssl.client-auth, none|want|need",
            "smtpd.relay.starttls, opportunistic|required|disabled", "smtpd.debugging.output, stdout|stderr" })
    void everyValueOfAnEnumeratedKeyIsDescribed(String key, String values) throws Exception {
        String metadata;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("the generated metadata").isNotNull();
            metadata = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<Map<String, Object>> hinted = JsonPath.read(metadata, "$.hints[?(@.name == '" + key + "')].values[*]");
        assertThat(hinted).extracting((value) -> value.get("value")).containsExactlyInAnyOrder((Object[]) values.split("\\|"));
        assertThat(hinted).allSatisfy((value) -> assertThat((String) value.get("description")).hasSizeGreaterThan(20));
        List<String> property = JsonPath.read(metadata, "$.properties[?(@.name == '" + key + "')].description");
        assertThat(property).singleElement().asString().isNotBlank();
    }
}
