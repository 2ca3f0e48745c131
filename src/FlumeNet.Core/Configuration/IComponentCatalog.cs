namespace FlumeNet.Configuration;

/// <summary>What the configuration layer needs to know of a component type.</summary>
/// <param name="Kind">source, channel, …</param>
/// <param name="Alias">Flume's alias (<c>memory</c>, <c>exec</c>, …).</param>
/// <param name="ClassName">Flume's fully qualified class name, also accepted as a type.</param>
public sealed record ComponentDescriptor(ComponentKind Kind, string Alias, string ClassName);

/// <summary>Resolves a <c>type</c> value (alias, case-insensitive, or exact class name) to a component type.</summary>
public interface IComponentCatalog
{
    ComponentDescriptor? Find(ComponentKind kind, string type);

    IEnumerable<ComponentDescriptor> All(ComponentKind kind);
}
