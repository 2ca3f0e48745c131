using System.Globalization;
using System.Text;

namespace FlumeNet.Metrics;

/// <summary>
/// Java's <c>Double.toString</c>: the shortest digits that round-trip, written as a plain decimal with at least one
/// fractional digit for 10⁻³ ≤ |d| &lt; 10⁷ (<c>0.0</c>, <c>5.0</c>, <c>33.33333333333333</c>), otherwise as
/// <c>d.dddE±n</c> with a capital E and no plus sign (<c>9.999999999999999E-5</c>, <c>1.7976931348623157E308</c>).
/// </summary>
public static class JavaDouble
{
    public static string ToString(double d)
    {
        if (double.IsNaN(d))
        {
            return "NaN";
        }

        if (double.IsInfinity(d))
        {
            return d > 0 ? "Infinity" : "-Infinity";
        }

        // .NET's "R" gives the shortest round-trip digits; only the layout differs from Java's.
        var r = d.ToString("R", CultureInfo.InvariantCulture);
        var negative = r.StartsWith('-');
        if (negative)
        {
            r = r[1..];
        }

        var e = r.IndexOfAny(['E', 'e']);
        var exponent = e < 0 ? 0 : int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var mantissa = e < 0 ? r : r[..e];
        var dot = mantissa.IndexOf('.');
        var intPart = dot < 0 ? mantissa : mantissa[..dot];
        var digits = (intPart + (dot < 0 ? string.Empty : mantissa[(dot + 1)..])).AsSpan();

        // value = 0.<digits> × 10^point
        var point = intPart.Length + exponent;
        while (digits.Length > 0 && digits[0] == '0')
        {
            digits = digits[1..];
            point--;
        }

        digits = digits.TrimEnd('0');
        var sb = new StringBuilder(26);
        if (negative)
        {
            sb.Append('-');
        }

        if (digits.Length == 0)
        {
            return sb.Append("0.0").ToString();
        }

        if (point is >= -2 and <= 7)
        {
            if (point <= 0)
            {
                sb.Append("0.").Append('0', -point).Append(digits);
            }
            else if (point >= digits.Length)
            {
                sb.Append(digits).Append('0', point - digits.Length).Append(".0");
            }
            else
            {
                sb.Append(digits[..point]).Append('.').Append(digits[point..]);
            }
        }
        else
        {
            sb.Append(digits[0]).Append('.');
            if (digits.Length > 1)
            {
                sb.Append(digits[1..]);
            }
            else
            {
                sb.Append('0');
            }

            sb.Append('E').Append((point - 1).ToString(CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }
}
