using System.Security.Cryptography;
using System.Text;

namespace FlumeNet.Avro;

/// <summary>
/// Flume 1.11's <c>AvroSourceProtocol</c>: the exact text Java embeds and its MD5. These are
/// constants on purpose: re-serialising the protocol with another library changes the text and
/// therefore the hash (spec §4), which would cost a NONE round trip on every connection.
/// </summary>
internal static class AvroSourceProtocol
{
    /// <summary>The 1334-byte protocol text (UTF-8, no trailing newline).</summary>
    public const string Text = """
{"protocol":"AvroSourceProtocol","namespace":"org.apache.flume.source.avro","doc":"* Licensed to the Apache Software Foundation (ASF) under one\n * or more contributor license agreements.  See the NOTICE file\n * distributed with this work for additional information\n * regarding copyright ownership.  The ASF licenses this file\n * to you under the Apache License, Version 2.0 (the\n * \"License\"); you may not use this file except in compliance\n * with the License.  You may obtain a copy of the License at\n *\n * http://www.apache.org/licenses/LICENSE-2.0\n *\n * Unless required by applicable law or agreed to in writing,\n * software distributed under the License is distributed on an\n * \"AS IS\" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY\n * KIND, either express or implied.  See the License for the\n * specific language governing permissions and limitations\n * under the License.","types":[{"type":"enum","name":"Status","symbols":["OK","FAILED","UNKNOWN"]},{"type":"record","name":"AvroFlumeEvent","fields":[{"name":"headers","type":{"type":"map","values":"string"}},{"name":"body","type":"bytes"}]}],"messages":{"append":{"request":[{"name":"event","type":"AvroFlumeEvent"}],"response":"Status"},"appendBatch":{"request":[{"name":"events","type":{"type":"array","items":"AvroFlumeEvent"}}],"response":"Status"}}}
""";

    /// <summary>MD5 of <see cref="Text"/>, lowercase hex.</summary>
    public const string HashHex = "86aadae2c45474c0fe93ffd0f2350a65";

    public static readonly byte[] TextBytes = Encoding.UTF8.GetBytes(Text);

    public static readonly byte[] Hash = Convert.FromHexString(HashHex);

    public const string AppendMessage = "append";
    public const string AppendBatchMessage = "appendBatch";

    /// <summary>MD5 over the exact UTF-8 bytes of a protocol text (how Java computes the hash).</summary>
    public static byte[] ComputeHash(string protocolText) => MD5.HashData(Encoding.UTF8.GetBytes(protocolText));
}
