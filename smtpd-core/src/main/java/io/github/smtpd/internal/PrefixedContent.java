package io.github.smtpd.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;

import io.github.smtpd.MessageContent;

/** A message's content with a trace header in front, without copying the content. */
final class PrefixedContent implements MessageContent {

    private final byte[] prefix;

    private final MessageContent content;

    PrefixedContent(byte[] prefix, MessageContent content) {
        this.prefix = prefix;
        this.content = content;
    }

    @Override
    public long size() {
        return prefix.length + content.size();
    }

    @Override
    public InputStream open() throws IOException {
        return new SequenceInputStream(new ByteArrayInputStream(prefix), content.open());
    }
}
